// containerd's CRI plugin driven as kubelet drives it: the private containerd of ./ctr.ts with
// the CRI plugin enabled, the runtime under test as the runtime handler `tsrun` (the runc v2
// shim's BinaryName, cgroupfs), CNI from /usr/lib/cni with a bridge network of our own in a
// private config directory, and a gRPC client of the runtime.v1 API (test/engines/cri/
// runtime-v1.proto) on the daemon's socket. What CRI and CNI write to fixed host paths stays
// private: /run (netns binds in /run/netns) is the tmpdir's, as for ctr, and /var/lib (CNI's
// result cache in /var/lib/cni) is an overlay whose writes land in the tmpdir.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { repo } from '../../helpers/harness';
import { cgroupMountPoints } from '../../helpers/leftovers';
import { Containerd, engineRuntime, image, makeImageArchive } from './ctr';

export { engineRuntime, image };

/** The sandbox ("pause") image: the layer of ctr's `image`, running sleep. */
export const sandboxImage = 'localhost/busybox:pause';
/** The runtime handler a RuntimeClass names (`handler: tsrun`). */
export const handler = 'tsrun';
/** A handler whose BinaryName does not exist: what it runs is what BinaryName names. */
export const missingHandler = 'missing';

/** The TOML the daemon gets for CRI (the README shows the handler part). */
function criConfig(netConfDir: string, missingBinary: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const runtimes = `${cri}.containerd.runtimes`;
  return [
    `[${cri}]`,
    `  sandbox_image = "${sandboxImage}"`,
    // No CAP_SYS_RESOURCE here: the sandbox's -998 cannot be set, so keep at the daemon's.
    '  restrict_oom_score_adj = true',
    '  disable_apparmor = true',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    `  default_runtime_name = "${handler}"`,
    `[${runtimes}.${handler}]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${runtimes}.${handler}.options]`,
    `  BinaryName = "${engineRuntime}"`,
    '  SystemdCgroup = false',
    `[${runtimes}.${missingHandler}]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${runtimes}.${missingHandler}.options]`,
    `  BinaryName = "${missingBinary}"`,
    `[${cri}.cni]`,
    '  bin_dir = "/usr/lib/cni"',
    `  conf_dir = "${netConfDir}"`,
  ].join('\n');
}

/** Our bridge network: a unique bridge and network name, a private /24, host-local IPAM with
 * its data in the tmpdir; no gateway and no masquerade, so CNI changes no host sysctl and
 * adds no iptables rule. containerd adds the loopback network itself. */
export interface Network {
  name: string;
  bridge: string;
  /** "10.X.Y.0/24" */
  subnet: string;
  /** "10.X.Y." */
  prefix: string;
  ipamDir: string;
}

function pickNetwork(dir: string, tag: string): Network {
  const routes = fs.readFileSync('/proc/net/route', 'utf8');
  // A /24 in 10.240.0.0/12 that no route of the host uses (another engine's bridge, say).
  for (let n = process.pid % 4096, tries = 0; tries < 4096; n = (n + 1) % 4096, tries++) {
    const prefix = `10.${240 + (n >> 8)}.${n & 255}.`;
    const hex = [n & 255, 240 + (n >> 8), 10].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
    if (routes.includes(`\t00${hex}\t`)) continue;
    return {
      name: `tsrun-cri-${tag}`,
      bridge: `tscri${tag.slice(-8)}`.slice(0, 15),
      subnet: `${prefix}0/24`,
      prefix,
      ipamDir: path.join(dir, 'cni-ipam'),
    };
  }
  throw new Error('no free 10.240.0.0/12 subnet');
}

/** A CRI call's failure as grpc-js reports it. */
export type CriError = grpc.ServiceError;

type Callback = (err: grpc.ServiceError | null, res: unknown) => void;
type Service = Record<string, (req: object, options: grpc.CallOptions, cb: Callback) => void> & grpc.Client;

const protoFile = path.join(repo, 'test', 'engines', 'cri', 'runtime-v1.proto');

/** The private containerd with CRI, its network and the two CRI services. */
export class Cri {
  readonly ctd: Containerd;
  readonly network: Network;
  /** kubelet's log directory root; each pod's log_directory is below it. */
  readonly logRoot: string;
  /** The BinaryName of the `missing` handler. */
  readonly missingBinary: string;
  private runtime: Service | null = null;
  private images: Service | null = null;

  constructor() {
    this.ctd = new Containerd({
      kind: 'cri',
      namespace: 'k8s.io',
      enable: ['io.containerd.grpc.v1.cri'],
      config: (dir) => criConfig(path.join(dir, 'cni', 'net.d'), this.missingBinary),
      overlays: ['/var/lib'],
    });
    const dir = this.ctd.dir;
    this.network = pickNetwork(dir, path.basename(dir).slice(-6));
    this.missingBinary = path.join(dir, 'no-such-runtime');
    this.logRoot = path.join(dir, 'pods');
  }

  get dir(): string {
    return this.ctd.dir;
  }

  /** The network config, the daemon, the images imported into k8s.io, the gRPC clients. */
  async start(): Promise<void> {
    const netConfDir = path.join(this.dir, 'cni', 'net.d');
    fs.mkdirSync(netConfDir, { recursive: true });
    fs.writeFileSync(path.join(netConfDir, '10-tsrun.conflist'), JSON.stringify(this.conflist(), null, 2));
    fs.mkdirSync(this.logRoot);
    await this.ctd.start();
    const archive = makeImageArchive(this.dir, { pause: ['sleep', '2147483647'] });
    const r = this.ctd.ctr(['images', 'import', '--base-name', 'localhost/busybox', archive]);
    if (r.code !== 0) throw new Error(`ctr images import: ${r.stderr}`);
    const def = protoLoader.loadSync(protoFile, { keepCase: true, longs: Number, enums: String, defaults: true });
    const api = (grpc.loadPackageDefinition(def).runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
    const make = (name: string) =>
      new (api[name] as grpc.ServiceClientConstructor)(`unix://${this.ctd.socket}`, grpc.credentials.createInsecure());
    this.runtime = make('RuntimeService') as unknown as Service;
    this.images = make('ImageService') as unknown as Service;
  }

  /** One unary call of the RuntimeService, as kubelet makes it. */
  call(method: string, req: object = {}): Promise<any> {
    return this.invoke(this.runtime, method, req);
  }

  /** One unary call of the ImageService. */
  imageCall(method: string, req: object = {}): Promise<any> {
    return this.invoke(this.images, method, req);
  }

  private invoke(service: Service | null, method: string, req: object): Promise<any> {
    if (!service) return Promise.reject(new Error('CRI clients not started'));
    const fn = service[method];
    if (typeof fn !== 'function') return Promise.reject(new Error(`no CRI method ${method}`));
    return new Promise((resolve, reject) =>
      fn.call(service, req, { deadline: Date.now() + 120_000 }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  /** A pod's sandbox config as kubelet writes it: metadata, a log directory (made, as
   * kubelet makes it), the cgroup parent under ours, network, ipc of the pod. */
  podConfig(name: string, linux: object = {}): object {
    const logDir = path.join(this.logRoot, name);
    fs.mkdirSync(logDir, { recursive: true });
    return {
      metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 },
      hostname: name,
      log_directory: logDir,
      linux: {
        cgroup_parent: this.podCgroupParent(name),
        security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } },
        ...linux,
      },
    };
  }

  /** Make pod `name`'s cgroup in every hierarchy before its sandbox runs, and remove it after
   * the pod is removed, as kubelet does (v1 cpuset gets its parent's cpus and mems, as
   * kubelet's cgroup manager gives them: an empty cpuset takes no task). */
  makePodCgroup(name: string): void {
    for (const mp of cgroupMountPoints()) {
      let dir = mp;
      for (const part of this.podCgroupParent(name)
        .split('/')
        .filter((p) => p !== '')) {
        const child = path.join(dir, part);
        if (!fs.existsSync(child)) {
          fs.mkdirSync(child);
          for (const f of ['cpuset.cpus', 'cpuset.mems']) {
            if (fs.existsSync(path.join(dir, f)))
              fs.writeFileSync(path.join(child, f), fs.readFileSync(path.join(dir, f)));
          }
        }
        dir = child;
      }
    }
  }

  /** Pod `name`'s cgroup directories that exist, one per hierarchy. */
  podCgroups(name: string): string[] {
    return cgroupMountPoints()
      .map((mp) => path.join(mp, this.podCgroupParent(name)))
      .filter((d) => fs.existsSync(d));
  }

  /** The cgroup parent of pod `name` (its sandbox and containers are below it). */
  podCgroupParent(name: string): string {
    return `${this.ctd.cgroupParent}/${name}`;
  }

  /** The log file of container `name` in pod `pod`: kubelet's <log_directory>/<name>/0.log
   * (the directory made, as kubelet makes it). */
  logPath(pod: string, name: string): { log_path: string; file: string } {
    fs.mkdirSync(path.join(this.logRoot, pod, name), { recursive: true });
    return { log_path: `${name}/0.log`, file: path.join(this.logRoot, pod, name, '0.log') };
  }

  /** Close the clients, stop the daemon by pid. */
  async stop(): Promise<void> {
    this.runtime?.close();
    this.images?.close();
    this.runtime = null;
    this.images = null;
    await this.ctd.stop();
  }

  private conflist(): object {
    const n = this.network;
    return {
      cniVersion: '0.4.0',
      name: n.name,
      plugins: [
        {
          type: 'bridge',
          bridge: n.bridge,
          isGateway: false,
          ipMasq: false,
          hairpinMode: false,
          ipam: { type: 'host-local', ranges: [[{ subnet: n.subnet }]], dataDir: n.ipamDir },
        },
      ],
    };
  }
}
