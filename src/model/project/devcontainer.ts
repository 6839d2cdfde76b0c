/** Dev container definitions (VS Code, Codespaces): their Dockerfiles build a development environment, not a production image. */

/** The directory that holds a dev container definition. */
export const DEVCONTAINER_DIR = '.devcontainer';

/** Is the path (a file path) inside a .devcontainer directory? */
export function inDevcontainer(file: string): boolean {
  return file.split(/[\\/]/).slice(0, -1).includes(DEVCONTAINER_DIR);
}
