// Every id the manifest (package.json `contributes`) and the code share, in one place. A test compares this map
// with package.json so a renamed command cannot silently fall out of a menu.

export const EXTENSION_ID = 'box-pull.box-pull';
export const VIEW_ID = 'boxPull.explorer';
export const AUTH_PROVIDER_ID = 'box';
export const AUTH_PROVIDER_LABEL = 'Box';

export const Commands = {
  signIn: 'boxPull.signIn',
  useDeveloperToken: 'boxPull.useDeveloperToken',
  signInWithClientCredentials: 'boxPull.signInWithClientCredentials',
  signOut: 'boxPull.signOut',
  addAccount: 'boxPull.addAccount',
  switchAccount: 'boxPull.switchAccount',
  refresh: 'boxPull.refresh',
  download: 'boxPull.download',
  downloadFolder: 'boxPull.downloadFolder',
  openInBox: 'boxPull.openInBox',
  openFile: 'boxPull.openFile',
  copyLink: 'boxPull.copyLink',
  copyId: 'boxPull.copyId',
  cancelDownloads: 'boxPull.cancelDownloads',
  showDownloadDetails: 'boxPull.showDownloadDetails',
  loadMore: 'boxPull.loadMore',
  showLog: 'boxPull.showLog',
  findInFolder: 'boxPull.findInFolder',
  openWalkthrough: 'boxPull.openWalkthrough',
  pullUpdates: 'boxPull.pullUpdates',
} as const;

/** The getting-started walkthrough (package.json `contributes.walkthroughs`), as `extension id#walkthrough id`. */
export const WALKTHROUGH_ID = 'box-pull.box-pull#gettingStarted';

export const ContextKeys = {
  signedIn: 'boxPull.signedIn',
  /** Some account is signed in, usable with the current address or not (Switch Account, Add Account). */
  hasAccounts: 'boxPull.hasAccounts',
  downloading: 'boxPull.downloading',
  /** The workspace's folders that hold a state file (absolute paths): `resourcePath in boxPull.pulledFolders`. */
  pulledFolders: 'boxPull.pulledFolders',
} as const;

/** `contextValue` of tree items; the manifest's `viewItem` clauses match these. */
export const TreeItemKinds = {
  folder: 'boxFolder',
  file: 'boxFile',
  webLink: 'boxWebLink',
  loadMore: 'boxLoadMore',
  error: 'boxError',
  message: 'boxMessage',
} as const;

/** Box's web app, where "Open in Box" and "Copy Link" point. */
export const BOX_WEB_APP = 'https://app.box.com';
