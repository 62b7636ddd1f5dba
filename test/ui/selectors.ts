// Everything the UI tests know about the workbench's DOM and the extension's visible names, in one place: when VS
// Code or the extension renames something, this is the file to adjust. Verified against VS Code 1.139.1.

/** The extension's user-visible names (package.json `contributes` + package.nls.json). */
export const names = {
  /** Activity-bar view container `boxPull` and the tree view `boxPull.explorer`. */
  viewContainerTitle: 'Box',
  /** Context-menu title of `boxPull.download`. */
  downloadMenuItem: 'Download',
  /** Palette title of `boxPull.downloadFolder` (category + title). */
  downloadFolderCommand: 'Box: Download Folder…',
  /** The status bar item's text starts with this. */
  statusBarPrefix: 'Box',
  /** View-title actions (package.json view/title, navigation group: shown as icons). */
  downloadFolderAction: 'Download Folder…',
  findAction: 'Find by Name…',
  /** Palette title of `boxPull.openWalkthrough`, and the walkthrough's title and step titles. */
  getStartedCommand: 'Box: Get Started',
  walkthroughTitle: 'Get Started with Box Pull',
  walkthroughSteps: ['Sign in to Box', 'Browse your folders', 'Download a folder', 'Pull updates'],
  /** Explorer context-menu title of `boxPull.pullUpdates` (menus show the title without the category). */
  pullUpdatesMenuItem: 'Pull Updates',
  /** Context-menu title of `boxPull.copyLink`. */
  copyLinkMenuItem: 'Copy Link',
  /** Action on the notification shown when a download completes. */
  revealAction: 'Reveal in Explorer',
  /** The first button of the signed-out welcome view (package.nls.json `viewsWelcome.signIn`). */
  welcomeSignIn: 'Sign in with Box',
  /** Palette titles of `boxPull.addAccount` and `boxPull.switchAccount`; the pick marks the account in use so. */
  addAccountCommand: 'Box: Add Account',
  switchAccountCommand: 'Box: Switch Account',
  currentAccountMark: 'current',
  /** The warning of a command that needs Box while nobody is signed in. */
  signInFirst: 'Sign in to Box first.',
};

const cssString = (text: string) => JSON.stringify(text);

export const selectors = {
  workbench: '.monaco-workbench',
  activityBarItem: (title: string) => `.part.activitybar .action-label[aria-label=${cssString(title)}]`,
  /** A tree row by its label; VS Code appends ", has actions" (and more) to rows' aria-labels. */
  treeRow: (label: string) =>
    `.monaco-list-row[aria-label=${cssString(label)}], .monaco-list-row[aria-label^=${cssString(`${label},`)}]`,
  /** A file's tree row: its aria-label is the name, then the size ("readme.md 159 B, has actions"). */
  treeRowNamed: (name: string) => `.monaco-list-row[aria-label^=${cssString(`${name} `)}]`,
  treeRowAtLevel: (level: number) => `.monaco-list-row[aria-level="${level}"]`,
  /** The Explorer's rows (files and folders of the workspace). */
  explorerRows: '.explorer-folders-view .monaco-list-row',
  /** A hover (tooltip) the workbench shows. */
  hover: '.monaco-hover, .workbench-hover',
  contextMenuItem: (title: string) => `.monaco-menu .action-label[aria-label=${cssString(title)}]`,
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  quickInputRows: '.quick-input-widget .quick-input-list .monaco-list-row',
  statusBarItems: '.part.statusbar .statusbar-item',
  /** The active editor tab, by the start of its aria-label (the file name). */
  activeTab: (name: string) => `.tabs-container .tab.active[aria-label^=${cssString(name)}]`,
  editorLines: '.editor-group-container.active .monaco-editor .view-lines',
  /** The hover an editor shows for a refused edit ("Cannot edit in read-only editor"). */
  editorMessage: '.monaco-editor-overlaymessage',
  /** A custom editor's (the image preview's) webview frame. */
  webviewFrame: 'iframe.webview',
  /** The frame inside a webview's frame that holds its page. */
  webviewContent: 'iframe#active-frame',
  /**
   * With `enable-smoke-test-driver` (needed for the dev/test payload) the workbench never shows notification
   * toasts; notifications go straight to the Notification Center, so the tests open it from the status bar bell.
   */
  notificationsBell: '.part.statusbar .statusbar-item[id="status.notifications"]',
  notificationCenter: '.notifications-center',
  notificationCenterItems: '.notifications-center .notification-list-item',
  /** An action (icon button) in the side bar's title or a view's header, by its label. */
  sideBarTitleAction: (label: string) =>
    `.part.sidebar .actions-container .action-label[aria-label=${cssString(label)}]`,
  /** Text in the side bar, such as the Box view's description (the account in use). */
  sideBarText: (text: string) => `.part.sidebar >> text=${text}`,
  /** The selected (and focused) tree row. */
  selectedTreeRow: '.monaco-list-row.selected',
  /** The getting-started page (Welcome › Walkthroughs) and its steps. */
  walkthroughPage: '.gettingStartedContainer',
  walkthroughStep: '.getting-started-step',
  /** A step's checkmark once its completion event happened. */
  walkthroughStepDone: '.codicon.complete',
  /** The picture beside the steps (a step's `media.image`). */
  walkthroughMediaImage: '.getting-started-media img',
  /** VS Code's modal dialog (showWarningMessage with `modal: true`). */
  dialog: '.monaco-dialog-box',
  dialogMessage: '.monaco-dialog-box .dialog-message-text',
  dialogButton: (label: string) =>
    `.monaco-dialog-box .dialog-buttons .monaco-button:text-is(${cssString(label)})`,
};
