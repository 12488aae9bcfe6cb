/*
 * The steps of a connection test, so that a failed test names the step
 * that failed. The SFTP and HTTP tests share them, so the command line and
 * the wizard word the steps the same way.
 */
#ifndef KVL_PROBE_H
#define KVL_PROBE_H

enum kvl_probe_step {
	KVL_PROBE_OK,		/* every step passed */
	KVL_PROBE_DNS,		/* the host name did not resolve */
	KVL_PROBE_CONNECT,	/* no TCP connection (refused, timed out) */
	KVL_PROBE_TLS,		/* TLS, or the SSH handshake and host key */
	KVL_PROBE_AUTH,		/* the credential was rejected */
	KVL_PROBE_PERMISSION,	/* signed in, but the read was refused */
	KVL_PROBE_RESPONSE,	/* the target answered something unexpected */
};

/* Stable names for JSON: "ok", "dns", "connect", "tls", "authentication",
 * "permission", "response". */
const char *kvl_probe_step_name(enum kvl_probe_step step);

#endif
