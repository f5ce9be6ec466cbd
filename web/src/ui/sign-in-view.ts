import { SignInError } from '../auth/cognito';
import type { Session } from '../auth/session';
import { h } from './dom';

export interface SignInViewOptions {
  /** Why the form is shown: after sign-out, after an expired session, or on a first visit. */
  readonly notice?: string;
  readonly signIn: (username: string, password: string) => Promise<Session>;
  readonly onSignedIn: (session: Session) => void;
}

/** The sign-in form: labelled fields, the reason in words when it fails, focus where to type next. */
export function signInView(options: SignInViewOptions): HTMLElement {
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { id: 'sign-in-error', class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Sign in');

  const form = h(
    'form',
    { class: 'sign-in-form', 'aria-labelledby': 'sign-in-heading', novalidate: true },
    h('h2', { id: 'sign-in-heading' }, 'Sign in'),
    options.notice ? h('p', { class: 'notice', role: 'status' }, options.notice) : undefined,
    h('div', { class: 'field' }, h('label', { for: 'username' }, 'Username or e-mail'), username),
    h('div', { class: 'field' }, h('label', { for: 'password' }, 'Password'), password),
    error,
    submit,
  );

  const showError = (message: string, field?: HTMLInputElement) => {
    error.textContent = message;
    for (const input of [username, password]) input.removeAttribute('aria-invalid');
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.setAttribute('aria-describedby', 'sign-in-error');
      field.focus();
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = username.value.trim();
    if (!name) return showError('Enter your username.', username);
    if (!password.value) return showError('Enter your password.', password);
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    error.textContent = '';
    options
      .signIn(name, password.value)
      .then(options.onSignedIn, (failure: unknown) => {
        submit.disabled = false;
        submit.textContent = 'Sign in';
        if (failure instanceof SignInError) {
          password.value = '';
          showError(failure.message, failure.kind === 'credentials' ? password : undefined);
        } else {
          showError('Signing in did not work because of an unexpected problem. Reload the page and try again.');
        }
      });
  });

  const view = h('main', { id: 'main', class: 'sign-in' }, h('h1', {}, 'Image uploads'), form);
  // Focus goes where the user types next, once the view is in the document.
  queueMicrotask(() => username.focus());
  return view;
}
