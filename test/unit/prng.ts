/** mulberry32, seeded, so a failing case can be rebuilt from its seed: the one src/cli/key-dist.ts has (riffle load --seed). Shared by the property tests. */
export { prng } from 'riffle/internal';
