export interface IdGenerator {
  /** A new random UUID for an image. */
  newImageId(): string;
}
