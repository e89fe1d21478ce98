// A merge that cannot proceed: a stable code, the tensor concerned (when there is one), and a message naming it.
export type MergeErrorCode =
  | 'missing_tensor'
  | 'shape_mismatch'
  | 'dtype_mismatch'
  | 'invalid_rule'
  | 'invalid_request'
  | 'format_mismatch'
  | 'invalid_checkpoint';

export class MergeError extends Error {
  override name = 'MergeError';
  constructor(
    readonly code: MergeErrorCode,
    message: string,
    readonly tensor?: string,
  ) {
    super(message);
  }
}
