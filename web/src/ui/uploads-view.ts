import { formatBytes } from '../format';
import { typeList, type UploadLimits } from '../uploads/check-file';
import type { UploadItem } from '../uploads/upload-queue';
import { h, setChildren } from './dom';

export interface UploadsViewOptions {
  readonly limits: UploadLimits;
  readonly onFiles: (files: File[]) => void;
  readonly onRetry: (key: string) => void;
}

/**
 * Choosing or dropping files, and one row per file: its progress bar (bytes sent of total) and
 * where it is, in words, until the processor is done with it.
 */
export class UploadsView {
  readonly element: HTMLElement;
  readonly fileInput: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private readonly rows = new Map<string, HTMLLIElement>();

  constructor(private readonly options: UploadsViewOptions) {
    const { limits } = options;
    this.fileInput = h('input', {
      id: 'file-input',
      type: 'file',
      multiple: true,
      accept: limits.allowedContentTypes.join(','),
      class: 'visually-hidden',
      'aria-describedby': 'upload-hint',
    });
    this.fileInput.addEventListener('change', () => {
      const files = [...(this.fileInput.files ?? [])];
      // Emptied, so choosing the same file again is a change too.
      this.fileInput.value = '';
      if (files.length > 0) options.onFiles(files);
    });
    const dropZone = h(
      'div',
      { class: 'drop-zone' },
      this.fileInput,
      h('label', { for: 'file-input', class: 'button primary' }, 'Choose images'),
      h('p', { id: 'upload-hint', class: 'hint' }, `or drop them here. ${typeList(limits.allowedContentTypes)}, up to ${formatBytes(limits.maxUploadBytes)} each.`),
    );
    for (const type of ['dragenter', 'dragover']) {
      dropZone.addEventListener(type, (event) => {
        event.preventDefault();
        dropZone.classList.add('dragging');
      });
    }
    dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
    dropZone.addEventListener('drop', (event) => {
      event.preventDefault();
      dropZone.classList.remove('dragging');
      const files = [...(event.dataTransfer?.files ?? [])];
      if (files.length > 0) options.onFiles(files);
    });
    this.list = h('ul', { class: 'uploads', 'aria-label': 'Uploads' });
    this.element = h('section', { class: 'panel', 'aria-labelledby': 'upload-heading' }, h('h2', { id: 'upload-heading' }, 'Upload'), dropZone, this.list);
  }

  /** Shows the item's current state, adding its row when new. */
  render(item: UploadItem): void {
    let row = this.rows.get(item.key);
    if (!row) {
      row = h('li', { class: 'upload', 'data-key': item.key });
      this.rows.set(item.key, row);
      this.list.prepend(row);
    }
    row.dataset.phase = item.phase;
    const percent = item.sizeBytes > 0 ? Math.floor((item.sentBytes / item.sizeBytes) * 100) : 0;
    const thumbnail = item.phase === 'done' ? item.image?.renditions?.[0] : undefined;
    const statusId = `${item.key}-status`;
    setChildren(
      row,
      h(
        'div',
        { class: 'upload-thumb', 'aria-hidden': thumbnail ? undefined : 'true' },
        thumbnail ? h('img', { src: thumbnail.url, alt: `Thumbnail of ${item.fileName}`, width: thumbnail.width, height: thumbnail.height }) : undefined,
      ),
      h(
        'div',
        { class: 'upload-body' },
        h('p', { class: 'upload-name' }, h('span', { class: 'file-name' }, item.fileName), ' ', h('span', { class: 'file-size' }, formatBytes(item.sizeBytes))),
        item.phase === 'refused'
          ? undefined
          : h('progress', { max: item.sizeBytes, value: item.sentBytes, 'aria-label': `Upload of ${item.fileName}`, 'aria-describedby': statusId }, `${percent} %`),
        h('p', { id: statusId, class: 'upload-status' }, statusText(item, percent)),
        item.phase === 'failed' && item.retryable
          ? h('button', { type: 'button', class: 'button', onclick: () => this.options.onRetry(item.key) }, h('span', {}, 'Retry'), h('span', { class: 'visually-hidden' }, ` ${item.fileName}`))
          : undefined,
      ),
    );
  }
}

function statusText(item: UploadItem, percent: number): string {
  switch (item.phase) {
    case 'refused':
      return `Not uploaded: ${item.message ?? ''}`;
    case 'waiting':
      return 'Waiting to upload';
    case 'requesting':
      return 'Preparing the upload…';
    case 'uploading':
      return `Uploading: ${percent} % (${formatBytes(item.sentBytes)} of ${formatBytes(item.sizeBytes)})`;
    case 'processing':
      return item.message ?? 'Uploaded. Processing…';
    case 'done':
      return 'Done';
    case 'rejected':
      return `Rejected: ${item.message ?? ''}`;
    case 'failed':
      return `Failed: ${item.message ?? ''}`;
  }
}
