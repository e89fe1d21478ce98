// The protobuf wire format (proto3/proto2 encoding), enough to read and write ONNX models:
// varints, 64-bit and 32-bit fixed fields, length-delimited fields, packed repeated scalars.
// https://protobuf.dev/programming-guides/encoding/

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export class ProtoReader {
  pos: number;
  private readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a varint as a bigint-free number (exact up to 2^53; larger values lose precision). */
  varint(): number {
    let result = 0;
    let mult = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('protobuf: truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mult;
      if ((b & 0x80) === 0) return result;
      mult *= 128;
    }
    throw new Error('protobuf: varint longer than 10 bytes');
  }

  /** Reads a varint as a signed 64-bit integer (two's complement), as a bigint. */
  varint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('protobuf: truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asIntN(64, result);
      shift += 7n;
    }
    throw new Error('protobuf: varint longer than 10 bytes');
  }

  /** A signed int64 field as a JS number (exact within ±2^53). */
  int64(): number {
    return Number(this.varint64());
  }

  fixed32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  float32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  float64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited field's bytes, as a view into the buffer (no copy). */
  bytes(): Uint8Array {
    const len = this.varint();
    this.need(len);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes());
  }

  /** Reads a tag; returns [fieldNumber, wireType]. */
  tag(): [number, number] {
    const t = this.varint();
    return [Math.floor(t / 8), t & 7];
  }

  /** Skips a field of the given wire type; returns the raw bytes of the whole field including its tag. */
  skip(wire: number, tagStart: number): Uint8Array {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        break;
      case WIRE_I64:
        this.need(8);
        this.pos += 8;
        break;
      case WIRE_LEN: {
        const len = this.varint();
        this.need(len);
        this.pos += len;
        break;
      }
      case WIRE_I32:
        this.need(4);
        this.pos += 4;
        break;
      default:
        throw new Error(`protobuf: unsupported wire type ${wire}`);
    }
    return this.buf.subarray(tagStart, this.pos);
  }

  /** A sub-reader over a length-delimited field. */
  sub(): ProtoReader {
    const len = this.varint();
    this.need(len);
    const r = new ProtoReader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  /** Repeated scalars, accepting both packed (LEN) and unpacked encodings. */
  repeated(wire: number, readOne: (r: ProtoReader) => number, into: number[]): void {
    if (wire === WIRE_LEN) {
      const r = this.sub();
      while (!r.done()) into.push(readOne(r));
    } else into.push(readOne(this));
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new Error('protobuf: truncated message');
  }
}

/** Builds a message as a list of chunks; nested messages are encoded first, then length-prefixed. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  private length = 0;

  private flushScratch(): void {
    if (this.scratch.length > 0) {
      const u = Uint8Array.from(this.scratch);
      this.chunks.push(u);
      this.length += u.length;
      this.scratch = [];
    }
  }

  private rawVarint(v: number | bigint): void {
    let x = typeof v === 'bigint' ? BigInt.asUintN(64, v) : v < 0 ? BigInt.asUintN(64, BigInt(v)) : v;
    if (typeof x === 'bigint') {
      while (x >= 0x80n) {
        this.scratch.push(Number(x & 0x7fn) | 0x80);
        x >>= 7n;
      }
      this.scratch.push(Number(x));
      return;
    }
    if (!Number.isSafeInteger(x)) throw new Error(`protobuf: varint ${x} is not a safe integer`);
    while (x >= 0x80) {
      this.scratch.push((x % 128) | 0x80);
      x = Math.floor(x / 128);
    }
    this.scratch.push(x);
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  varint(field: number, v: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(v);
    return this;
  }

  float32(field: number, v: number): this {
    this.tag(field, WIRE_I32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.scratch.push(...b);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.rawVarint(data.length);
    this.flushScratch();
    if (data.length > 0) {
      this.chunks.push(data);
      this.length += data.length;
    }
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, w: ProtoWriter): this {
    return this.bytes(field, w.finish());
  }

  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.rawVarint(v);
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 4);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
    return this.bytes(field, b);
  }

  packedDoubles(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 8);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat64(i * 8, values[i], true);
    return this.bytes(field, b);
  }

  /** Appends already-encoded field bytes (tag included), e.g. unknown fields kept from a decode. */
  raw(data: Uint8Array): this {
    this.flushScratch();
    this.chunks.push(data);
    this.length += data.length;
    return this;
  }

  finish(): Uint8Array {
    this.flushScratch();
    if (this.chunks.length === 1) return this.chunks[0];
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}
