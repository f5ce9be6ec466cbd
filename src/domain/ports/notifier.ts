import type { ImageNotification } from '../image-notification';

export interface Notifier {
  publish(notification: ImageNotification): Promise<void>;
}
