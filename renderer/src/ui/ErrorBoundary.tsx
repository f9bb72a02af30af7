import { Component, type ErrorInfo, type ReactNode } from 'react';

/** A panel that throws shows what went wrong and a way back, never a blank screen. */
export class ErrorBoundary extends Component<{ name: string; children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.warn(`${this.props.name} failed:`, error, info.componentStack);
  }

  override render() {
    if (this.state.error) {
      return (
        <div className="panel-error" role="alert">
          <p>
            The {this.props.name} ran into a problem: {this.state.error.message}
          </p>
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      );
    }
    return this.props.children;
  }
}
