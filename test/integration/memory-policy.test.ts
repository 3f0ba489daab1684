// linux.memoryPolicy: set_mempolicy in the child before execve, for the init and for an
// exec'd process; read back inside the container by the probe (get_mempolicy). This host
// has one NUMA node (0), so the nodes asked for are "0".
import t, { type Test } from 'tap';
import { MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from '../../src/config/memory-policy';
import type { Spec } from '../../src/config/types';
import { harness, type Probe } from '../helpers/harness';

const h = harness(t);
const mode = (name: string) => MEMORY_POLICY_MODES[name]!.value;

function mempolicy(t: Test, policy?: NonNullable<Spec['linux']>['memoryPolicy']): Probe {
  const { result, probe } = h.probe(
    (s) => {
      if (policy) s.linux!.memoryPolicy = policy;
    },
    ['mempolicy'],
  );
  t.equal(result.code, 0, `run succeeded: ${result.stderr}`);
  if (!probe) throw new Error(`no probe output: ${result.stdout} ${result.stderr}`);
  return probe;
}

t.test('without linux.memoryPolicy the process keeps the default policy', async (t) => {
  t.same(mempolicy(t), { mode: mode('MPOL_DEFAULT'), nodes: [] });
});

t.test('each mode this host can hold, read back with get_mempolicy', async (t) => {
  t.same(mempolicy(t, { mode: 'MPOL_BIND', nodes: '0' }), { mode: mode('MPOL_BIND'), nodes: [0] });
  t.same(mempolicy(t, { mode: 'MPOL_INTERLEAVE', nodes: '0' }), { mode: mode('MPOL_INTERLEAVE'), nodes: [0] });
  t.same(mempolicy(t, { mode: 'MPOL_PREFERRED', nodes: '0' }), { mode: mode('MPOL_PREFERRED'), nodes: [0] });
  t.same(mempolicy(t, { mode: 'MPOL_LOCAL' }), { mode: mode('MPOL_LOCAL'), nodes: [] });
  t.same(mempolicy(t, { mode: 'MPOL_DEFAULT' }), { mode: mode('MPOL_DEFAULT'), nodes: [] });
});

t.test('flags are OR-ed into the mode the kernel reports', async (t) => {
  const p = mempolicy(t, { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] });
  t.same(p, { mode: mode('MPOL_BIND') | MEMORY_POLICY_FLAGS.MPOL_F_STATIC_NODES!, nodes: [0] });
});

t.test("an exec'd process gets the container's policy too (runc's setns init does)", async (t) => {
  const id = h.id('mpol');
  const bundle = h.bundle(id, (s) => {
    s.process!.args = ['/bin/sleep', '1000'];
    s.linux!.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0' };
  });
  t.equal(h.cli(['create', '--bundle', bundle, id]).code, 0);
  t.equal(h.cli(['start', id]).code, 0);
  const r = h.cli(['exec', id, '/probe', 'mempolicy']);
  t.equal(r.code, 0, r.stderr);
  t.same(JSON.parse(r.stdout), { mode: mode('MPOL_INTERLEAVE'), nodes: [0] });
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});
