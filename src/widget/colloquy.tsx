import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { mount, type ColloquyHandle, type MountOptions } from './mount';

/** The comment section as a Preact component, for Preact apps: `<Colloquy thread="slug" />`. */
export function Colloquy(props: MountOptions) {
  const element = useRef<HTMLDivElement>(null);
  const handle = useRef<ColloquyHandle>(undefined);
  const previous = useRef<MountOptions>(props);
  useEffect(() => {
    if (handle.current) {
      // `update` keeps options it is not given: a prop taken away must go back to its default.
      const removed = Object.fromEntries(Object.keys(previous.current).map((option) => [option, undefined]));
      handle.current.update({ ...removed, ...props });
    } else if (element.current) handle.current = mount(element.current, props);
    previous.current = props;
  });
  useEffect(() => () => handle.current?.unmount(), []);
  return <div ref={element} />;
}
