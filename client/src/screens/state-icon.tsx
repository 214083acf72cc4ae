/** A custom state's icon (16×16) or badge (10×10), as {@link stateIconSource} reads it. */
import { stateIconSource } from '../state/state-icon-source.ts';

export function StateIcon(props: { src: string | null; size: 16 | 10; testid: string }) {
  const { src, size } = props;
  const icon = stateIconSource(src);
  if (icon === null) return null;
  if (icon.kind === 'predefined') {
    return <span data-testid={props.testid} data-icon={src} class={`state-icon status-${icon.name}`} style={{ width: `${size}px`, height: `${size}px` }} aria-hidden="true" />;
  }
  return <img data-testid={props.testid} data-icon={src} class="state-icon" src={icon.url} width={size} height={size} alt="" />;
}
