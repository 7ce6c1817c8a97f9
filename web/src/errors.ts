// Every failure the page can meet, in words a person understands (docs/web.md).

export type ErrorKind =
  | "rate_limited"
  | "model_unavailable"
  | "disconnected"
  | "validation"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "not_in_stock"
  | "busy"
  | "other";

export interface FieldError {
  field: string | null | undefined;
  message: string;
  code: string;
}

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly retryAfterSeconds: number | null = null,
    readonly fieldErrors: FieldError[] = [],
  ) {
    super(message);
  }
}

function seconds(value: number): string {
  const s = Math.max(1, Math.ceil(value));
  return s === 1 ? "1 second" : `${s} seconds`;
}

export function rateLimitedMessage(retryAfterSeconds: number | null): string {
  return retryAfterSeconds === null
    ? "Too many requests. Please wait a moment and try again."
    : `Too many requests. Please try again in ${seconds(retryAfterSeconds)}.`;
}

/** The message for a server error code (GraphQL `extensions.code`, a UserError's or RunFailed's code). */
export function fromCode(code: string, message: string, retryAfterSeconds: number | null = null): AppError {
  switch (code) {
    case "RATE_LIMITED":
      return new AppError("rate_limited", rateLimitedMessage(retryAfterSeconds), retryAfterSeconds);
    case "MODEL_UNAVAILABLE":
      return new AppError(
        "model_unavailable",
        "The assistant is not available right now: the store has no language model running. " +
          "You can still browse and rent films.",
      );
    case "AGENT_BUSY":
      return new AppError("busy", "The assistant is busy with other customers. Please try again shortly.");
    case "AGENT_TIMEOUT":
      return new AppError("busy", "The assistant took too long to answer. Please ask again.");
    case "AGENT_OUTPUT_INVALID":
    case "AGENT_FAILED":
      return new AppError("other", "The assistant could not answer that. Please rephrase and ask again.");
    case "UNAUTHENTICATED":
    case "INVALID_TOKEN":
    case "TOKEN_REUSED":
      return new AppError("unauthenticated", "Your session has ended. Please sign in again.");
    case "INVALID_CREDENTIALS":
      return new AppError("validation", "Wrong e-mail or password.");
    case "PERMISSION_DENIED":
      return new AppError("forbidden", message || "You may not do that.");
    case "NOT_FOUND":
      return new AppError("not_found", message || "Not found.");
    case "NOT_IN_STOCK":
      return new AppError("not_in_stock", "Sorry, no copy is available there any more.");
    default:
      return new AppError("other", message || "Something went wrong. Please try again.");
  }
}

/** A mutation's `errors` list: field errors go next to their field, the rest is one message. */
export function fromUserErrors(
  errors: ReadonlyArray<{ code: string; message: string; field?: string | null; retryAfterSeconds?: number | null }>,
): AppError {
  const withField = errors.filter((e) => e.field);
  if (withField.length > 0 && withField.length === errors.length) {
    return new AppError(
      "validation",
      "Please correct the highlighted fields.",
      null,
      withField.map((e) => ({ field: e.field, message: e.message, code: e.code })),
    );
  }
  const first = errors[0];
  if (first === undefined) return new AppError("other", "Something went wrong.");
  const error = fromCode(first.code, first.message, first.retryAfterSeconds ?? null);
  return new AppError(
    error.kind,
    error.message,
    error.retryAfterSeconds,
    withField.map((e) => ({ field: e.field, message: e.message, code: e.code })),
  );
}

export function asAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError("other", "Something went wrong. Please try again.");
}
