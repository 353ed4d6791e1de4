// Every word of every email, keyed by template code (DESIGN.md convention 9: user-facing text has one
// home). Pages and the API use core/messages.ts; emails use this file, so a translation replaces both.
// Placeholders are filled by mail/templates.ts; everything a person typed is escaped there.

export type NoticeCode =
  | 'password-changed'
  | 'password-reset-requested'
  | 'password-reset-completed'
  | 'new-device-sign-in'
  | 'second-factor-added'
  | 'second-factor-removed'
  | 'recovery-codes-regenerated'
  | 'recovery-code-used'
  | 'security-questions-changed'
  | 'email-changed-old-address'
  | 'email-changed-new-address'
  | 'account-locked'
  | 'password-expiring'
  | 'admin-changed-account'
  | 'recovery-email-verification'
  | 'recovery-email-added'
  | 'recovery-email-removed'
  | 'anti-phishing-phrase-changed'
  | 'account-reported';

export interface NoticeText {
  subject: string;
  /** What happened, in one sentence. */
  headline: string;
  /** More about it; may use the template's placeholders. */
  body: string;
  /** What to do if it was not the person. Absent for messages the person asked for just now. */
  ifNotYou?: string;
}

export const emailText = {
  common: {
    greeting: 'Hello {name},',
    phraseLabel: 'Your anti-phishing phrase',
    phraseHelp: 'Every genuine email from {org} shows this phrase. An email that claims to be from us without it is not from us.',
    detailsHeading: 'Details',
    when: 'When',
    device: 'Device',
    ip: 'IP address',
    unknown: 'unknown',
    notYouButton: 'This wasn’t me',
    securityLink: 'Review your security settings',
    support: 'Need help? {support}',
    footer: 'This message was sent by {org} about your account. We never ask for your password by email.',
    recoveryCopy: 'You receive a copy of this message because this is the recovery address of the account {email}.',
  },
  notices: {
    'password-changed': {
      subject: 'Your {org} password was changed',
      headline: 'The password of your account {email} was changed.',
      body: '{signedOut}',
      ifNotYou: 'If you did not change it, someone else may know your password. Use “This wasn’t me” now: it signs out every device and lets you choose a new password.',
    },
    'password-reset-requested': {
      subject: 'Reset your {org} password',
      headline: 'Someone asked to reset the password of your account {email}.',
      body: 'To choose a new password, open the link below, or type this code on the reset page: {code}. The link and the code work once, for {minutes} minutes.',
      ifNotYou: 'If you did not ask for this, you can ignore this email: your password stays as it is. If you keep receiving these, contact support.',
    },
    'password-reset-completed': {
      subject: 'Your {org} password was reset',
      headline: 'The password of your account {email} was reset, and every device was signed out.',
      body: 'You can now sign in with the new password.',
      ifNotYou: 'If you did not reset it, someone else may control your email. Use “This wasn’t me” now and contact support.',
    },
    'new-device-sign-in': {
      subject: 'New sign-in to your {org} account',
      headline: 'Your account {email} was just signed in to from a device or place we have not seen recently.',
      body: 'If this was you, there is nothing to do.',
      ifNotYou: 'If this was not you, use “This wasn’t me”: it signs out that device and lets you choose a new password.',
    },
    'second-factor-added': {
      subject: 'Two-step verification added to your {org} account',
      headline: 'A second factor ({method}) was added to your account {email}.',
      body: 'From now on it can be used to confirm it is you when you sign in.',
      ifNotYou: 'If you did not add it, someone else may have access to your account. Use “This wasn’t me” now.',
    },
    'second-factor-removed': {
      subject: 'Two-step verification removed from your {org} account',
      headline: 'A second factor ({method}) was removed from your account {email}.',
      body: 'It can no longer be used to sign in.',
      ifNotYou: 'If you did not remove it, someone else may have access to your account. Use “This wasn’t me” now.',
    },
    'recovery-codes-regenerated': {
      subject: 'New recovery codes for your {org} account',
      headline: 'New recovery codes were created for your account {email}. The old ones no longer work.',
      body: 'Keep the new codes somewhere safe, away from your devices.',
      ifNotYou: 'If you did not create them, use “This wasn’t me” now.',
    },
    'recovery-code-used': {
      subject: 'A recovery code was used to sign in to your {org} account',
      headline: 'Someone signed in to your account {email} with one of your recovery codes.',
      body: 'Each code works once. When few are left, create a new set on the security page.',
      ifNotYou: 'If this was not you, someone has your password and a recovery code. Use “This wasn’t me” now.',
    },
    'security-questions-changed': {
      subject: 'Your {org} security questions were changed',
      headline: 'The answers to the security questions of your account {email} were changed.',
      body: 'They are asked when the password of an account without two-step verification is reset.',
      ifNotYou: 'If you did not change them, someone may have your password. Use “This wasn’t me” now.',
    },
    'email-changed-old-address': {
      subject: 'The email address of your {org} account was changed',
      headline: 'The email address of your account was changed from {oldEmail} to {newEmail}.',
      body: 'Messages about the account now go to the new address.',
      ifNotYou: 'If you did not change it, use “This wasn’t me” now: it signs out every device, and support can restore your address.',
    },
    'email-changed-new-address': {
      subject: 'This is now the email address of your {org} account',
      headline: 'This address ({newEmail}) now belongs to the account that used {oldEmail}.',
      body: 'Messages about the account will come here.',
      ifNotYou: 'If you did not expect this, use “This wasn’t me”.',
    },
    'account-locked': {
      subject: 'Sign-in to your {org} account was locked',
      headline: 'After {attempts} wrong passwords in a row, signing in to your account {email} with its password was locked.',
      body: 'The wrong passwords were typed to sign in, or where a signed-in session is asked for the password; such a session was signed out. Browsers you signed in with since your last password change or reset can still sign in. Anywhere else, nobody can sign in with the password until you reset it, or until {until}. To unlock it now, reset your password: {resetPage}',
      ifNotYou: 'If these attempts were not yours, someone may be guessing your password: reset it now, and choose one you use nowhere else.',
    },
    'password-expiring': {
      subject: 'Your {org} password expires in {days} days',
      headline: 'The password of your account {email} expires on {expiresAt}, in {days} days.',
      body: 'Your organisation asks for a new password by then. Change it in your security settings: {changeLink}',
      ifNotYou: 'We will never send you a link to a page outside {baseUrl}. If a message like this points elsewhere, it is not from us.',
    },
    'admin-changed-account': {
      subject: 'An administrator changed your {org} account',
      headline: 'An administrator changed your account {email}: {change}.',
      body: 'If you were told about this, there is nothing to do.',
      ifNotYou: 'If you did not expect this change, contact support.',
    },
    'recovery-email-verification': {
      subject: 'Confirm your recovery address for {org}',
      headline: 'Someone asked to use this address as the recovery address of the account {email}.',
      body: 'To confirm, type this code in the security settings: {code}. It works once, for {minutes} minutes. Reset codes and security notices will then come here too.',
      ifNotYou: 'If you did not ask for this, ignore this email: the address is not added until the code is typed.',
    },
    'recovery-email-added': {
      subject: 'A recovery address was added to your {org} account',
      headline: 'The address {recoveryEmail} is now the recovery address of your account {email}.',
      body: 'Password reset emails and security notices now go to it as well as to this address.',
      ifNotYou: 'If you did not add it, someone else may be preparing to take over your account. Use “This wasn’t me” now: it removes the address and signs out every device.',
    },
    'recovery-email-removed': {
      subject: 'The recovery address of your {org} account was removed',
      headline: 'The address {recoveryEmail} is no longer the recovery address of your account {email}.',
      body: 'Password reset emails and security notices now go only to this address.',
      ifNotYou: 'If you did not remove it, someone else may have access to your account. Use “This wasn’t me” now.',
    },
    'anti-phishing-phrase-changed': {
      subject: 'The anti-phishing phrase of your {org} account was changed',
      headline: '{phraseChange}',
      body: 'Genuine emails from {org} show the phrase at the top. If it ever looks wrong, do not trust the email.',
      ifNotYou: 'If you did not change it, someone else may have access to your account. Use “This wasn’t me” now.',
    },
    'account-reported': {
      subject: '{org}: {email} reported activity they did not recognise',
      headline: 'The person with the account {email} used “This wasn’t me” about: {about}.',
      body: 'Passdesk signed out every session of the account, ended its pending resets and sign-ins, and sent a password reset to the person’s addresses; the old password no longer signs in. Check the account for signs of a takeover (a changed address or second factor the person does not know) and contact them through a channel you already know.',
    },
  } satisfies Record<NoticeCode, NoticeText>,
  fragments: {
    signedOutOthers: 'Every other device was signed out.',
    phraseSet: 'The anti-phishing phrase of your account {email} was changed; this email shows the new one.',
    phraseRemoved: 'The anti-phishing phrase of your account {email} was removed; emails no longer show one.',
    keptOthers: 'Your other devices stayed signed in.',
    resetLinkLabel: 'Choose a new password',
    changeLinkLabel: 'Change your password',
    resetPageLabel: 'Reset your password',
  },
} as const;
