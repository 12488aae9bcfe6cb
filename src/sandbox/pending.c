#include "config.h"
#include "sandbox/sandbox.h"
void sb_route_authorization(struct sb_request *req, struct sb_reply *reply,
			    size_t providers_index)
{
	(void)req; (void)providers_index;
	sb_arm_error(reply, 501, "NotImplemented", "not yet");
}
void sb_route_graph(struct sb_request *req, struct sb_reply *reply)
{
	(void)req;
	sb_arm_error(reply, 501, "NotImplemented", "not yet");
}
void sb_route_kv(struct sb_request *req, struct sb_reply *reply)
{
	(void)req;
	sb_arm_error(reply, 501, "NotImplemented", "not yet");
}
