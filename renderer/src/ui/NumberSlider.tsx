import { useId } from 'react';

/** A labelled range slider with its value shown; `onRelease` ends one undo step. */
export function NumberSlider({
  label,
  value,
  min,
  max,
  step,
  onChange,
  onRelease,
  hint,
  disabled,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange: (value: number) => void;
  onRelease?: () => void;
  hint?: string;
  disabled?: boolean;
}) {
  const id = useId();
  const decimals = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)));
  return (
    <div className="slider" title={hint}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(Number(e.target.value))}
        onPointerUp={onRelease}
        onKeyUp={onRelease}
      />
      <output htmlFor={id}>{value.toFixed(decimals)}</output>
    </div>
  );
}
