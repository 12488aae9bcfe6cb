/*
 * Workload identity federation: an external token issuer (a Kubernetes
 * cluster's service account issuer, say) that the sandbox plays itself.
 * POST /_sandbox/federated-token issues RS256 tokens with an RSA key
 * drawn at the first request. The token endpoint accepts such a token
 * as a client assertion when an entry of the app's
 * "federatedCredentials" names its issuer and subject, and its audience
 * is api://AzureADTokenExchange.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "sandbox/sandbox.h"

#define FEDERATION_KEY_BITS 2048
/* How far iat and nbf may lie in the future, in seconds. */
#define CLOCK_SKEW_S 300

static EVP_PKEY *federation_key(struct sb_sandbox *sb)
{
	if (sb->federation_key == NULL)
		sb->federation_key = EVP_RSA_gen(FEDERATION_KEY_BITS);
	return sb->federation_key;
}

void sb_federation_free(struct sb_sandbox *sb)
{
	EVP_PKEY_free(sb->federation_key);
	sb->federation_key = NULL;
}

static char *json_part(json_object *obj)
{
	const char *text = json_object_to_json_string_ext(
		obj, JSON_C_TO_STRING_PLAIN);

	return sb_base64url((const unsigned char *)text, strlen(text));
}

/* Signs header.claims with RS256; the caller frees the JWT. */
static char *sign_jwt(EVP_PKEY *key, json_object *claims)
{
	json_object *header = json_object_new_object();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[1024];
	size_t sig_len = sizeof(sig);
	char *head64, *claims64, *input, *sig64, *jwt = NULL;

	json_object_object_add(header, "alg", json_object_new_string("RS256"));
	json_object_object_add(header, "typ", json_object_new_string("JWT"));
	json_object_object_add(header, "kid",
			       json_object_new_string(SB_FEDERATION_KID));
	head64 = json_part(header);
	claims64 = json_part(claims);
	input = sb_printf("%s.%s", head64, claims64);
	if (ctx != NULL &&
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *)input,
			   strlen(input)) == 1) {
		sig64 = sb_base64url(sig, sig_len);
		jwt = sb_printf("%s.%s", input, sig64);
		free(sig64);
	}
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	json_object_put(header);
	free(head64);
	free(claims64);
	free(input);
	return jwt;
}

/* POST /_sandbox/federated-token {"subject"?, "issuer"?, "audience"?,
 * "expiresIn"?}: a token of the sandbox's issuer; the defaults match the
 * federated credential of the built-in tenant's automation app. */
void sb_control_federated_token(struct sb_sandbox *sb, const char *text,
				struct sb_reply *reply)
{
	json_object *in = json_tokener_parse(text && *text ? text : "{}");
	json_object *claims = json_object_new_object(), *body;
	const char *sub = sb_jstr(in, "subject");
	const char *iss = sb_jstr(in, "issuer");
	const char *aud = sb_jstr(in, "audience");
	int64_t now = sb_now();
	EVP_PKEY *key = federation_key(sb);
	char *jwt, jti[37];

	sb_guid(jti);
	json_object_object_add(claims, "iss", json_object_new_string(
				       iss ? iss : SB_FEDERATION_ISSUER));
	json_object_object_add(claims, "sub", json_object_new_string(
				       sub ? sub : SB_FEDERATION_SUBJECT));
	json_object_object_add(claims, "aud", json_object_new_string(
				       aud ? aud : SB_FEDERATION_AUDIENCE));
	json_object_object_add(claims, "iat", json_object_new_int64(now));
	json_object_object_add(claims, "nbf", json_object_new_int64(now));
	json_object_object_add(claims, "exp", json_object_new_int64(
				       now + sb_jint(in, "expiresIn", 3600)));
	json_object_object_add(claims, "jti", json_object_new_string(jti));
	jwt = key != NULL ? sign_jwt(key, claims) : NULL;
	if (jwt == NULL) {
		sb_arm_error(reply, 500, "InternalError", "Cannot sign the "
			     "federated token.");
	} else {
		sb_known_issued(sb, "federated token", jwt);
		body = json_object_new_object();
		json_object_object_add(body, "token",
				       json_object_new_string(jwt));
		sb_reply_json(reply, 200, body);
	}
	free(jwt);
	json_object_put(claims);
	json_object_put(in);
}

/* Whether aud (a string or an array of strings) contains want. */
static bool audience_has(json_object *aud, const char *want)
{
	size_t i, n;

	if (json_object_is_type(aud, json_type_string))
		return strcmp(json_object_get_string(aud), want) == 0;
	if (!json_object_is_type(aud, json_type_array))
		return false;
	n = json_object_array_length(aud);
	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(aud, i);

		if (strcmp(json_object_get_string(a), want) == 0)
			return true;
	}
	return false;
}

/* The federated credential of sp whose issuer and subject are the
 * token's, or NULL. */
static json_object *matching_credential(json_object *sp, const char *iss,
					const char *sub)
{
	json_object *list = sb_jarr(sp, "federatedCredentials");
	size_t i, n = list ? json_object_array_length(list) : 0;

	for (i = 0; iss != NULL && sub != NULL && i < n; i++) {
		json_object *fc = json_object_array_get_idx(list, i);

		if (sb_jstr(fc, "issuer") != NULL &&
		    strcmp(sb_jstr(fc, "issuer"), iss) == 0 &&
		    sb_jstr(fc, "subject") != NULL &&
		    strcmp(sb_jstr(fc, "subject"), sub) == 0)
			return fc;
	}
	return NULL;
}

/* The audience a federated credential expects: its first "audiences"
 * entry, by default api://AzureADTokenExchange. */
static const char *credential_audience(json_object *fc)
{
	json_object *list = sb_jarr(fc, "audiences");

	if (list == NULL || json_object_array_length(list) == 0)
		return SB_FEDERATION_AUDIENCE;
	return json_object_get_string(json_object_array_get_idx(list, 0));
}

static const char *claims_problem(json_object *sp, json_object *claims)
{
	int64_t now = sb_now();
	json_object *aud = NULL, *fc;

	fc = matching_credential(sp, sb_jstr(claims, "iss"),
				 sb_jstr(claims, "sub"));
	if (fc == NULL)
		return "no federated credential of the app matches its "
		       "issuer (iss) and subject (sub)";
	json_object_object_get_ex(claims, "aud", &aud);
	if (!audience_has(aud, credential_audience(fc)))
		return "its audience (aud) is not the one of the app's "
		       "federated credential (" SB_FEDERATION_AUDIENCE ")";
	if (sb_jint(claims, "exp", 0) <= now)
		return "it has expired (exp)";
	if (sb_jint(claims, "nbf", now) > now + CLOCK_SKEW_S ||
	    sb_jint(claims, "iat", now) > now + CLOCK_SKEW_S)
		return "it is not valid yet (nbf, iat)";
	return NULL;
}

const char *sb_federated_problem(struct sb_sandbox *sb, json_object *sp,
				 const char *assertion)
{
	const char *dot1 = strchr(assertion, '.'), *dot2;
	json_object *header = NULL, *claims = NULL;
	const char *problem;

	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot2 == NULL || strchr(dot2 + 1, '.') != NULL)
		return "it is not a signed JWT";
	header = sb_jwt_part(assertion, (size_t)(dot1 - assertion));
	claims = sb_jwt_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (header == NULL || claims == NULL)
		problem = "its header or payload is not base64url JSON";
	else if (!sb_ieq(sb_jstr(header, "alg"), "RS256"))
		problem = "its alg is not RS256";
	else if (!sb_jws_verify(sb->federation_key, false, assertion,
				(size_t)(dot2 - assertion), dot2 + 1))
		problem = "its signature does not verify with the key of the "
			  "sandbox's token issuer";
	else
		problem = claims_problem(sp, claims);
	json_object_put(header);
	json_object_put(claims);
	return problem;
}
