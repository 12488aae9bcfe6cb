#include "config.h"

#include "core/probe.h"

const char *kvl_probe_step_name(enum kvl_probe_step step)
{
	switch (step) {
	case KVL_PROBE_OK:
		return "ok";
	case KVL_PROBE_DNS:
		return "dns";
	case KVL_PROBE_CONNECT:
		return "connect";
	case KVL_PROBE_TLS:
		return "tls";
	case KVL_PROBE_AUTH:
		return "authentication";
	case KVL_PROBE_PERMISSION:
		return "permission";
	case KVL_PROBE_RESPONSE:
		return "response";
	}
	return "response";
}
