// Preloaded (`--import`) into both sides of `npm run bench:cold`: pins the clock, so that the
// IAM authentication token the probe signs is the same in every process and the local server,
// which cannot check IAM tokens, can hold it as the role's password.
const RealDate = Date;
const pinned = Number(process.env.BENCH_PINNED_TIME);
class PinnedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(pinned);
    else super(...args);
  }
  static now() {
    return pinned;
  }
}
globalThis.Date = PinnedDate;
