/** Adds a script to the page once asked, and resolves when it has run or failed (the caller checks what it left). */
export const loadScript = (src: string) =>
  new Promise<unknown>((resolve) => {
    const tag = document.createElement('script');
    tag.src = src;
    tag.onload = tag.onerror = resolve;
    document.head.append(tag);
  });
