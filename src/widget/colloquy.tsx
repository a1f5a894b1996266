import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { mount, type ColloquyHandle, type MountOptions } from './mount';

/** The comment section as a Preact component, for Preact apps: `<Colloquy thread="slug" />`. */
export function Colloquy(props: MountOptions) {
  const element = useRef<HTMLDivElement>(null);
  const handle = useRef<ColloquyHandle>(undefined);
  useEffect(() => {
    if (handle.current) handle.current.update(props);
    else if (element.current) handle.current = mount(element.current, props);
  });
  useEffect(() => () => handle.current?.unmount(), []);
  return <div ref={element} />;
}
