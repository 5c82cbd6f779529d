// Tests run offline with no AWS account: never let the SDK probe the instance-metadata
// address for credentials, and give it a region so clients can be built.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_REGION ??= 'us-east-1';

// The AWS SDK warns once per process that its releases after January 2027 need Node 22: noise
// in every worker that builds a client (the CLI silences it the same way).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Tests run the TypeScript sources: a CLI a test spawns through bin/spendsense-db.js runs them
// too, whatever state the build in dist/ is in (see bin/build-state.js).
process.env.SPENDSENSE_DB_FROM_SOURCES = '1';

// CDK writes "Bundling asset <path>..." straight to stderr at every synth that bundles a
// function, outside any test's console: a passing run shows none of it. Everything else
// written to stderr goes through.
const BUNDLING_NOTICE = /^Bundling asset \S+\.\.\.\n$/;
const writeStderr = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  if (typeof chunk === 'string' && BUNDLING_NOTICE.test(chunk)) return true;
  return (writeStderr as (...args: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stderr.write;
