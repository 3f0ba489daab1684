/** The runtime-spec version tsrun implements (the state's ociVersion). */
export const OCI_VERSION = '1.3.0';
export const TSRUN_VERSION = '0.1.0';
