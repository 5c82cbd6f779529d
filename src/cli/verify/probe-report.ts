import { type ProbeReport, probeReportSchema } from '../../runtime/probe-report.js';

/** The outcome of invoking the probe: its report, or why there is none. */
export type ProbeOutcome =
  | { readonly kind: 'report'; readonly report: ProbeReport }
  | { readonly kind: 'function-error'; readonly errorType: string }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** Reads an Invoke response's payload and error flag into a {@link ProbeOutcome}. */
export function readProbeResponse(
  functionError: string | undefined,
  payload: Uint8Array | undefined,
): ProbeOutcome {
  const text = payload === undefined ? '' : new TextDecoder().decode(payload);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'unreadable', reason: 'the probe returned no JSON' };
  }
  if (functionError !== undefined) {
    // Lambda's error payload is { errorType, errorMessage, trace }: only the type is printed,
    // since a foreign message may quote its input.
    const errorType = (json as { errorType?: unknown } | null)?.errorType;
    return {
      kind: 'function-error',
      errorType: typeof errorType === 'string' ? errorType : functionError,
    };
  }
  const parsed = probeReportSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)');
    return { kind: 'unreadable', reason: `unexpected probe report (fields: ${fields.join(', ')})` };
  }
  return { kind: 'report', report: parsed.data };
}
