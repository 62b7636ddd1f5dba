// The parts of Box's resource shapes the client and its callers read. Fields Box only returns when asked for
// through `fields` are optional; Box may always add more, so these are not exhaustive.

export type BoxItemType = 'folder' | 'file' | 'web_link';

/** A folder, file or web link as it appears in `path_collection`, `parent` and other references. */
export interface BoxItemReference {
  type: BoxItemType;
  id: string;
  name?: string;
  etag?: string | null;
  sequence_id?: string | null;
}

export interface BoxPermissions {
  can_download?: boolean;
  can_preview?: boolean;
  [permission: string]: boolean | undefined;
}

interface BoxItemBase extends BoxItemReference {
  name: string;
  size?: number;
  created_at?: string | null;
  modified_at?: string | null;
  content_modified_at?: string | null;
  item_status?: 'active' | 'trashed' | 'deleted';
  parent?: BoxItemReference | null;
  path_collection?: { total_count: number; entries: BoxItemReference[] };
  permissions?: BoxPermissions;
}

export interface BoxFolder extends BoxItemBase {
  type: 'folder';
  /** The first entries of the folder (GET /folders/{id} only). */
  item_collection?: {
    total_count?: number;
    entries: BoxItem[];
    offset?: number;
    limit?: number;
  };
}

export interface BoxFileVersion {
  type: 'file_version';
  id: string;
  sha1?: string;
}

export interface BoxFile extends BoxItemBase {
  type: 'file';
  /** Hex SHA-1 of the current version's content. */
  sha1?: string;
  extension?: string;
  file_version?: BoxFileVersion;
}

export interface BoxWebLink extends BoxItemBase {
  type: 'web_link';
  url?: string;
}

export type BoxItem = BoxFolder | BoxFile | BoxWebLink;

export interface BoxEnterprise {
  type: 'enterprise';
  id: string;
  name?: string;
}

export interface BoxUser {
  type: 'user';
  id: string;
  name?: string;
  login?: string;
  language?: string;
  timezone?: string;
  space_amount?: number;
  space_used?: number;
  max_upload_size?: number;
  status?: string;
  avatar_url?: string;
  enterprise?: BoxEnterprise | null;
}

/** One page of GET /folders/{id}/items in marker mode. */
export interface ItemsPage {
  entries: BoxItem[];
  limit?: number;
  /** Box may leave it out in marker mode. */
  total_count?: number;
  next_marker?: string | null;
  prev_marker?: string | null;
}

export interface ZipNameConflict {
  id: string;
  type: 'file' | 'folder';
  original_name: string;
  download_name: string;
}

/** The 202 answer of POST /zip_downloads. Both URLs are secrets: whoever has them can fetch the archive. */
export interface ZipDownload {
  download_url: string;
  status_url: string;
  expires_at: string;
  name_conflicts: ZipNameConflict[][];
}

export type ZipDownloadState = 'in_progress' | 'failed' | 'succeeded' | (string & {});

export interface ZipDownloadStatus {
  total_file_count: number;
  downloaded_file_count: number;
  skipped_file_count: number;
  skipped_folder_count: number;
  state: ZipDownloadState;
}

export interface ZipDownloadRequest {
  items: { type: 'file' | 'folder'; id: string }[];
  /** Box appends ".zip". */
  downloadFileName?: string;
}
