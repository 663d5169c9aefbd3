// The simulated fleet's names, shared by the box processes and the benchmark that watches them:
// box i is till T01…T20 of branch B0001…, twenty tills to a branch.
export const TILLS_PER_BRANCH = 20;

export const boxName = (i: number) => ({
  branch: `B${String(Math.floor(i / TILLS_PER_BRANCH) + 1).padStart(4, '0')}`,
  till: `T${String((i % TILLS_PER_BRANCH) + 1).padStart(2, '0')}`,
});
