/*
 * vinbind's access rules as a Mosquitto 2 plugin (plugin API v5, MOSQ_EVT_ACL_CHECK).
 *
 * Why a plugin and not an acl_file: Mosquitto 2.0's built-in acl_file check grants every SUBSCRIBE
 * ("if(access == MOSQ_ACL_SUBSCRIBE) return MOSQ_ERR_SUCCESS;" in security_default.c) and filters only
 * when it delivers. A terminal subscribing to the servers' shared subscription
 * $share/vinbind/vinbind/v2/+/login is therefore granted a place in the share group, is handed its share
 * of every terminal's requests, and each of those is then dropped at the delivery check: the server never
 * sees them (measured: 10 of 20 logins lost with one such terminal). This plugin refuses such a
 * SUBSCRIBE outright (SUBACK 0x87), and applies the same rules to PUBLISH and delivery.
 *
 * The user name is the identity: with require_certificate and use_identity_as_username it is the client
 * certificate's CN. Rules (vinbind protocol v2, topics vinbind/v2/{terminalId}/{message}):
 *   services (user names listed in plugin_opt_service_users, space separated, e.g. svc:vinbind-server):
 *     subscribe/read  vinbind/v2/+/login, vinbind/v2/+/bind, vinbind/v2/+/esim/result, vinbind/v2/+/heartbeat,
 *                     vinbind/v2/+/status (shared or not)
 *     write           vinbind/v2/{any terminal}/login/ack, …/bind/ack, …/esim/batch, …/heartbeat/ack, …/status/ack
 *   terminals (every other user name; never one holding + # / or starting svc:):
 *     write           vinbind/v2/{own id}/login, …/bind, …/esim/result, …/heartbeat (its Will too), …/status
 *     subscribe/read  vinbind/v2/{own id}/login/ack, …/bind/ack, …/esim/batch, …/heartbeat/ack, …/status/ack (exact topics)
 *   everything else is denied, and anonymous clients get nothing.
 *
 * Build: gcc -shared -fPIC -O2 -o vinbind_acl.so vinbind_acl.c   (needs mosquitto-dev, libmosquitto-dev)
 * ./vinbind server mosquitto-plugin --out FILE does this.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#define ROOT "vinbind/v2/"
#define ROOT_LEN (sizeof(ROOT) - 1)
#define MAX_SERVICES 16

static mosquitto_plugin_id_t *plugin_id;
static char *services[MAX_SERVICES];
static int service_count;

static bool is_service(const char *user)
{
	for (int i = 0; i < service_count; i++) {
		if (strcmp(services[i], user) == 0) {
			return true;
		}
	}
	return false;
}

/* A terminal id as the protocol has it: [A-Za-z0-9][A-Za-z0-9._-]{0,63}. */
static bool is_terminal_id(const char *s, size_t n)
{
	if (n == 0 || n > 64) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
			return false;
		}
	}
	return true;
}

/* "vinbind/v2/<id>/<suffix>" with <id> == own (own may be NULL: any valid terminal id). */
static bool is_topic(const char *topic, const char *own, const char *suffix)
{
	if (strncmp(topic, ROOT, ROOT_LEN) != 0) {
		return false;
	}
	const char *id = topic + ROOT_LEN;
	const char *slash = strchr(id, '/');
	if (slash == NULL || strcmp(slash + 1, suffix) != 0) {
		return false;
	}
	size_t n = (size_t)(slash - id);
	if (own != NULL) {
		return strlen(own) == n && strncmp(id, own, n) == 0;
	}
	return is_terminal_id(id, n);
}

/* Strips "$share/<group>/" from a subscription; NULL when the share group is not vinbind's. */
static const char *unshare(const char *topic, bool *shared)
{
	*shared = false;
	if (strncmp(topic, "$share/", 7) != 0) {
		return topic;
	}
	*shared = true;
	const char *group = topic + 7;
	const char *slash = strchr(group, '/');
	if (slash == NULL) {
		return NULL;
	}
	if ((size_t)(slash - group) != strlen("vinbind") || strncmp(group, "vinbind", 7) != 0) {
		return NULL;
	}
	return slash + 1;
}

static int decide(const char *user, const char *topic, int access)
{
	if (user == NULL || topic == NULL) {
		return MOSQ_ERR_ACL_DENIED;
	}
	if (access == MOSQ_ACL_UNSUBSCRIBE) {
		return MOSQ_ERR_SUCCESS;
	}
	if (is_service(user)) {
		if (access == MOSQ_ACL_SUBSCRIBE || access == MOSQ_ACL_READ) {
			bool shared;
			const char *filter = access == MOSQ_ACL_SUBSCRIBE ? unshare(topic, &shared) : topic;
			if (filter == NULL) {
				return MOSQ_ERR_ACL_DENIED;
			}
			bool wildcard = strcmp(filter, ROOT "+/login") == 0 || strcmp(filter, ROOT "+/bind") == 0
				|| strcmp(filter, ROOT "+/esim/result") == 0 || strcmp(filter, ROOT "+/heartbeat") == 0
				|| strcmp(filter, ROOT "+/status") == 0;
			bool exact = is_topic(filter, NULL, "login") || is_topic(filter, NULL, "bind")
				|| is_topic(filter, NULL, "esim/result") || is_topic(filter, NULL, "heartbeat")
				|| is_topic(filter, NULL, "status");
			return (access == MOSQ_ACL_SUBSCRIBE ? wildcard : exact) ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
		}
		if (access == MOSQ_ACL_WRITE) {
			return is_topic(topic, NULL, "login/ack") || is_topic(topic, NULL, "bind/ack")
				|| is_topic(topic, NULL, "esim/batch") || is_topic(topic, NULL, "heartbeat/ack")
				|| is_topic(topic, NULL, "status/ack")
				? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
		}
		return MOSQ_ERR_ACL_DENIED;
	}
	if (strncmp(user, "svc:", 4) == 0 || !is_terminal_id(user, strlen(user))) {
		return MOSQ_ERR_ACL_DENIED; /* a service not listed, or a name that is no terminal id */
	}
	if (access == MOSQ_ACL_WRITE) {
		return is_topic(topic, user, "login") || is_topic(topic, user, "bind")
			|| is_topic(topic, user, "esim/result") || is_topic(topic, user, "heartbeat")
			|| is_topic(topic, user, "status")
			? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
	}
	if (access == MOSQ_ACL_SUBSCRIBE || access == MOSQ_ACL_READ) {
		/* exact topics only: no wildcard, no share group */
		return is_topic(topic, user, "login/ack") || is_topic(topic, user, "bind/ack")
			|| is_topic(topic, user, "esim/batch") || is_topic(topic, user, "heartbeat/ack")
			|| is_topic(topic, user, "status/ack")
			? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
	}
	return MOSQ_ERR_ACL_DENIED;
}

static int on_acl_check(int event, void *event_data, void *userdata)
{
	(void)event;
	(void)userdata;
	struct mosquitto_evt_acl_check *ed = event_data;
	const char *user = mosquitto_client_username(ed->client);
	int rc = decide(user, ed->topic, ed->access);
	if (rc != MOSQ_ERR_SUCCESS && ed->access != MOSQ_ACL_READ) {
		mosquitto_log_printf(MOSQ_LOG_NOTICE, "vinbind_acl: denied %s of '%s' to '%s'",
			ed->access == MOSQ_ACL_SUBSCRIBE ? "subscribe" : "publish", ed->topic, user ? user : "(anonymous)");
	}
	return rc;
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	for (int i = 0; i < supported_version_count; i++) {
		if (supported_versions[i] == 5) {
			return 5;
		}
	}
	return -1;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata, struct mosquitto_opt *options,
		int option_count)
{
	(void)userdata;
	plugin_id = identifier;
	for (int i = 0; i < option_count; i++) {
		if (strcmp(options[i].key, "service_users") == 0) {
			char *list = strdup(options[i].value);
			for (char *tok = strtok(list, " "); tok != NULL && service_count < MAX_SERVICES; tok = strtok(NULL, " ")) {
				services[service_count++] = strdup(tok);
			}
			free(list);
		}
	}
	if (service_count == 0) {
		mosquitto_log_printf(MOSQ_LOG_ERR, "vinbind_acl: plugin_opt_service_users names no service user");
		return MOSQ_ERR_INVAL;
	}
	mosquitto_log_printf(MOSQ_LOG_INFO, "vinbind_acl: %d service user(s); terminals confined to vinbind/v2/<CN>/",
		service_count);
	return mosquitto_callback_register(plugin_id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL, NULL);
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	(void)userdata;
	(void)options;
	(void)option_count;
	for (int i = 0; i < service_count; i++) {
		free(services[i]);
	}
	service_count = 0;
	return mosquitto_callback_unregister(plugin_id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL);
}
