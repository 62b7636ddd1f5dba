// Number formatting shared by the log and the report.

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function seconds(value: number): string {
  return `${value.toFixed(3)} s`;
}

export function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}
