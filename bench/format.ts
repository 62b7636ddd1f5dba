// Number formatting shared by the log and the report.

export function mb(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : 'n/a';
}

/** Whole megabytes of a figure already in MB. */
export function megabytes(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(0)} MB` : 'n/a';
}

export function seconds(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(3)} s` : 'n/a';
}

/** A ratio of medians; n/a when every run of one side failed. */
export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}
