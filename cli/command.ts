// What a command file under cli/ exports: a one-line summary and a runner that returns the exit code.
export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}
