// Progress lines on stderr: a bar redrawn in place on a terminal, a line every few seconds otherwise.

export class Progress {
  private lastPrint = 0;
  private lastLabel = '';
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {}

  update(label: string, done?: number, total?: number, detail = ''): void {
    if (this.quiet) return;
    const now = Date.now();
    const finished = done !== undefined && total !== undefined && done >= total;
    const changed = label !== this.lastLabel;
    if (!this.stream.isTTY && !changed && !finished && now - this.lastPrint < 3000) return;
    this.lastPrint = now;
    this.lastLabel = label;
    let bar = '';
    if (done !== undefined && total !== undefined && total > 0) {
      const width = 24;
      const filled = Math.round((done / total) * width);
      bar = ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
    }
    const line = `${label}${bar}${detail ? `  ${detail}` : ''}`;
    if (this.stream.isTTY) this.stream.write(`\r\x1b[2K${line}${finished ? '\n' : ''}`);
    else this.stream.write(`${line}\n`);
  }

  done(): void {
    if (!this.quiet && this.stream.isTTY) this.stream.write('\n');
  }
}
