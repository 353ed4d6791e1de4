// apache-md5 ships no types: MD5-crypt ($1$) and Apache's variant ($apr1$) of a password with a hash's salt.
declare module 'apache-md5' {
  export default function md5(password: string, salt: string): string;
}
