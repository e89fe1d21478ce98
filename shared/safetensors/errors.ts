// Every problem with a safetensors file or checkpoint is a SafetensorsError: a stable code and a message
// naming the file and, where there is one, the tensor.

export type SafetensorsErrorCode =
  | 'truncated'
  | 'header_too_large'
  | 'header_invalid'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'duplicate_key'
  | 'invalid_dtype'
  | 'invalid_shape'
  | 'invalid_offsets'
  | 'size_mismatch'
  | 'length_mismatch'
  | 'invalid_metadata'
  | 'invalid_index'
  | 'write_error';

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
  constructor(
    readonly code: SafetensorsErrorCode,
    message: string,
  ) {
    super(message);
  }
}
