// `spec`'s template: runc's config, with a cgroup namespace only on a pure cgroup v2 host.
import t from 'tap';
import { specTemplate } from '../../src/container/spec-template';

const types = (rootless: boolean, cgroupns: boolean) =>
  specTemplate(rootless, 1000, 1000, cgroupns).linux?.namespaces?.map((n) => n.type);

t.test('the cgroup namespace follows the host (runc adds it only in unified mode)', async (t) => {
  t.same(types(false, false), ['pid', 'network', 'ipc', 'uts', 'mount']);
  t.same(types(false, true), ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']);
  t.same(types(true, false), ['pid', 'ipc', 'uts', 'mount', 'user']);
  t.same(types(true, true), ['pid', 'ipc', 'uts', 'mount', 'user', 'cgroup']);
});
