// linux.memoryPolicy: the node list parser, each rule with its JSON path, the host-node
// rule against a given list of possible nodes, and the plan's form (mode | flags, nodes).
import t from 'tap';
import {
  checkMemoryPolicy,
  checkMemoryPolicyNodesOnHost,
  MEMORY_POLICY_FLAGS,
  MEMORY_POLICY_MODES,
  memoryPolicyPlan,
  parseNodeList,
} from '../../src/config/memory-policy';
import type { MemoryPolicy, Spec } from '../../src/config/types';

const spec = (memoryPolicy: MemoryPolicy): Spec => ({ ociVersion: '1.3.0', linux: { memoryPolicy } });
const problem = (policy: MemoryPolicy): string | undefined => {
  const e = checkMemoryPolicy(spec(policy));
  return e && `${e.jsonPath}: ${e.problem}`;
};

t.test('node lists: numbers and ranges, sorted and once each; anything else is refused', async (t) => {
  t.same(parseNodeList('0-3,7'), [0, 1, 2, 3, 7]);
  t.same(parseNodeList('7,0-1,1'), [0, 1, 7]);
  t.same(parseNodeList(' 2 '), [2]);
  t.same(parseNodeList(''), []);
  t.same(parseNodeList('0\n'), [0], "the kernel's possible file ends in a newline");
  for (const bad of ['a', '1-', '-1', '3-1', '1,,2', '0x1', '1024', '0-1024', '1.5'])
    t.equal(parseNodeList(bad), undefined, JSON.stringify(bad));
});

t.test('each rule names the entry', async (t) => {
  t.equal(problem({}), 'linux.memoryPolicy.mode: is required');
  t.match(
    problem({ mode: 'MPOL_X' }),
    /^linux\.memoryPolicy\.mode: unknown mode "MPOL_X", expected one of MPOL_DEFAULT/,
  );
  t.match(
    problem({ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_X'] }),
    /^linux\.memoryPolicy\.flags\[1\]: unknown flag "MPOL_F_X"/,
  );
  t.equal(
    problem({ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES'] }),
    'linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other',
  );
  t.match(problem({ mode: 'MPOL_BIND', nodes: '1-0' }), /^linux\.memoryPolicy\.nodes: invalid node list "1-0"/);
  for (const mode of ['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE']) {
    t.equal(problem({ mode }), `linux.memoryPolicy.nodes: ${mode} needs at least one node`);
    t.equal(problem({ mode, nodes: '' }), `linux.memoryPolicy.nodes: ${mode} needs at least one node`);
    t.equal(problem({ mode, nodes: '0-1' }), undefined);
  }
  for (const mode of ['MPOL_DEFAULT', 'MPOL_LOCAL']) {
    t.equal(problem({ mode, nodes: '0' }), `linux.memoryPolicy.nodes: ${mode} takes no nodes, got "0"`);
    t.equal(problem({ mode }), undefined);
  }
  t.equal(problem({ mode: 'MPOL_PREFERRED' }), undefined, 'no nodes: local allocation');
  t.equal(problem({ mode: 'MPOL_PREFERRED', nodes: '1' }), undefined);
});

t.test('nodes beyond the possible ones are refused, unless they are relative', async (t) => {
  const onHost = (policy: MemoryPolicy, possible: number[]) => {
    const e = checkMemoryPolicyNodesOnHost(spec(policy), possible);
    return e && `${e.jsonPath}: ${e.problem}`;
  };
  t.equal(onHost({ mode: 'MPOL_BIND', nodes: '0-1' }, [0, 1]), undefined);
  t.equal(
    onHost({ mode: 'MPOL_BIND', nodes: '0-2' }, [0, 1]),
    'linux.memoryPolicy.nodes: node 2 does not exist on this host (possible nodes: 0,1)',
  );
  t.equal(onHost({ mode: 'MPOL_BIND', nodes: '5', flags: ['MPOL_F_RELATIVE_NODES'] }, [0]), undefined);
  t.equal(onHost({ mode: 'MPOL_LOCAL' }, [0]), undefined);
});

t.test('the plan: the mode number with the flags OR-ed in, the node numbers', async (t) => {
  t.equal(memoryPolicyPlan(undefined), null);
  t.same(memoryPolicyPlan({ mode: 'MPOL_LOCAL' }), { mode: 4, nodes: [] });
  t.same(memoryPolicyPlan({ mode: 'MPOL_INTERLEAVE', nodes: '2-3', flags: ['MPOL_F_STATIC_NODES'] }), {
    mode: 3 | 0x8000,
    nodes: [2, 3],
  });
  // linux/mempolicy.h, as a second reading of the table.
  t.same(Object.fromEntries(Object.entries(MEMORY_POLICY_MODES).map(([k, v]) => [k, v.value])), {
    MPOL_DEFAULT: 0,
    MPOL_PREFERRED: 1,
    MPOL_BIND: 2,
    MPOL_INTERLEAVE: 3,
    MPOL_LOCAL: 4,
    MPOL_PREFERRED_MANY: 5,
    MPOL_WEIGHTED_INTERLEAVE: 6,
  });
  t.same(MEMORY_POLICY_FLAGS, {
    MPOL_F_NUMA_BALANCING: 0x2000,
    MPOL_F_RELATIVE_NODES: 0x4000,
    MPOL_F_STATIC_NODES: 0x8000,
  });
});
