/** The programs `spendsense-db tunnel` runs. */
export type RequiredTool = 'aws' | 'session-manager-plugin';

export const TOOL_NAMES: Readonly<Record<RequiredTool, string>> = {
  aws: 'the AWS CLI (`aws`)',
  'session-manager-plugin': 'the Session Manager plugin (`session-manager-plugin`)',
};

interface Guide {
  readonly title: string;
  readonly url: string;
  readonly verify: string;
}

const GUIDES: Readonly<Record<RequiredTool, Guide>> = {
  aws: {
    title: 'Installing or updating to the latest version of the AWS CLI',
    url: 'https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html',
    verify: 'aws --version',
  },
  'session-manager-plugin': {
    title: 'Install the Session Manager plugin for the AWS CLI',
    url: 'https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html',
    verify: 'session-manager-plugin --version',
  },
};

const PLUGIN_DOWNLOADS = 'https://s3.amazonaws.com/session-manager-downloads/plugin/latest';

/** The install commands of one tool on one platform, as AWS documents them. */
function commands(tool: RequiredTool, platform: NodeJS.Platform, arch: string): string[] {
  const arm = arch === 'arm64';
  if (tool === 'aws') {
    if (platform === 'darwin') return ['brew install awscli'];
    if (platform === 'win32') return ['msiexec.exe /i https://awscli.amazonaws.com/AWSCLIV2.msi'];
    const zip = `awscli-exe-linux-${arm ? 'aarch64' : 'x86_64'}.zip`;
    return [
      `curl "https://awscli.amazonaws.com/${zip}" -o awscliv2.zip`,
      'unzip awscliv2.zip',
      'sudo ./aws/install',
    ];
  }
  if (platform === 'darwin') return ['brew install --cask session-manager-plugin'];
  if (platform === 'win32') {
    return [`download and run ${PLUGIN_DOWNLOADS}/windows/SessionManagerPluginSetup.exe`];
  }
  return [
    '# Debian, Ubuntu:',
    `curl "${PLUGIN_DOWNLOADS}/${arm ? 'ubuntu_arm64' : 'ubuntu_64bit'}/session-manager-plugin.deb" -o session-manager-plugin.deb`,
    'sudo dpkg -i session-manager-plugin.deb',
    '# Amazon Linux, RHEL, Fedora:',
    `sudo dnf install -y ${PLUGIN_DOWNLOADS}/${arm ? 'linux_arm64' : 'linux_64bit'}/session-manager-plugin.rpm`,
  ];
}

/**
 * Says exactly how to install `tool` here: the AWS guide by name and address, the commands for
 * this platform and architecture, and how to check the result.
 */
export function installInstructions(
  tool: RequiredTool,
  platform: NodeJS.Platform,
  arch: string,
): string {
  const guide = GUIDES[tool];
  const where =
    platform === 'darwin'
      ? 'macOS (Homebrew)'
      : platform === 'win32'
        ? 'Windows'
        : `Linux (${arch})`;
  return [
    `${TOOL_NAMES[tool]}: see "${guide.title}", ${guide.url}`,
    `  on ${where}:`,
    ...commands(tool, platform, arch).map((line) => `    ${line}`),
    `  then check: ${guide.verify}`,
  ].join('\n');
}
