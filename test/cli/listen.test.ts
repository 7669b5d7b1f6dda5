import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listenFailure } from '../../src/cli/listen.js';
import { UsageError } from '../../src/cli/usage-error.js';

/** The error node:net hands a server that cannot listen: a message with the code, and the code. */
const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('listenFailure', () => {
  // The ones a test cannot cause on a real socket without DNS traffic, root or an IPv6-less machine.
  const cases: [string, Error, string, number, string][] = [
    [
      'a name that does not resolve',
      failure('ENOTFOUND', 'getaddrinfo ENOTFOUND nas.local'),
      'nas.local',
      8080,
      "cannot listen on host 'nas.local' (ENOTFOUND: no such host name)",
    ],
    [
      'no DNS at the moment',
      failure('EAI_AGAIN', 'getaddrinfo EAI_AGAIN nas.lan'),
      'nas.lan',
      8080,
      "cannot listen on host 'nas.lan' (EAI_AGAIN: the name could not be looked up, is DNS reachable?)",
    ],
    [
      'a privileged port',
      failure('EACCES', 'listen EACCES: permission denied 0.0.0.0:80'),
      '0.0.0.0',
      80,
      'no permission to listen on 0.0.0.0:80 (EACCES: ports below 1024 need root or CAP_NET_BIND_SERVICE)',
    ],
    [
      'a refusal on a high port',
      failure('EACCES', 'listen EACCES: permission denied 0.0.0.0:8080'),
      '0.0.0.0',
      8080,
      'no permission to listen on 0.0.0.0:8080 (EACCES: permission denied)',
    ],
    [
      'IPv6 on a machine without it',
      failure('EAFNOSUPPORT', 'listen EAFNOSUPPORT: address family not supported ::1:8080'),
      '::1',
      8080,
      "cannot listen on host '::1' (EAFNOSUPPORT: this machine does not support that kind of address, IPv6 perhaps)",
    ],
    [
      'anything else',
      failure('EINVAL', 'listen EINVAL: invalid argument 10.0.0.1:8080'),
      '10.0.0.1',
      8080,
      'cannot listen on 10.0.0.1:8080 (listen EINVAL: invalid argument 10.0.0.1:8080)',
    ],
  ];
  for (const [what, err, host, port, message] of cases) {
    it(`${what}: says why, with the code`, () => {
      const result = listenFailure(err, host, port, {});
      assert.ok(result instanceof UsageError); // one line and exit code 2, never a stack trace
      assert.equal(result.message, message);
    });
  }
});
