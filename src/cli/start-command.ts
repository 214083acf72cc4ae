/** `ucc start`: the roles are wired here as they land; until then it says so and exits. */
export async function run(_args: string[]): Promise<number> {
  process.stdout.write('ucc: not yet configured: no roles are wired into `ucc start` yet.\n');
  return 0;
}
