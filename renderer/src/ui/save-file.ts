/** Offers text to the user as a download (the browser's save dialog, or Electron's). */
export function saveTextFile(name: string, text: string, mime = 'application/json'): void {
  saveBlob(name, new Blob([text], { type: mime }));
}

export function saveBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
