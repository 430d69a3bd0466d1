/* Connector, mode and CRTC choice for the DRM backend, without a device: see drm_modes.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "backend/drm_modes.h"
#include "core/error.h"
#include "backend/spec.h"

#define MAX_REFRESH 1000

/* Text from a spec for a message: at most 64 bytes, anything unprintable as '?'. */
static const char *printable(char out[68], const char *text)
{
	size_t i = 0;
	for (; text[i] && i < 64; i++)
		out[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
	if (text[i])
		memcpy(out + i, "...", 4);
	else
		out[i] = '\0';
	return out;
}

int fbk_drm_parse_mode(const char *text, struct fbk_drm_mode_request *out)
{
	static const char *const expect = "expected WIDTHxHEIGHT or WIDTHxHEIGHT@HZ, e.g. 1280x800 "
					  "or 1920x1080@60";
	char shown[68], size[32];
	const char *at = strchr(text, '@');
	size_t size_length = at ? (size_t)(at - text) : strlen(text);
	if (size_length >= sizeof(size))
		return fbk_fail(-EINVAL, "mode '%s' is too long; %s", printable(shown, text), expect);
	memcpy(size, text, size_length);
	size[size_length] = '\0';
	struct fbk_drm_mode_request want = { 0, 0, 0 };
	int err = fbk_spec_parse_size(size, &want.width, &want.height);
	if (err) {
		char reason[256];
		snprintf(reason, sizeof(reason), "%s", fbk_last_error());
		return fbk_fail(err, "mode '%s': %s", printable(shown, text), reason);
	}
	if (at) {
		const char *p = at + 1;
		if (!*p)
			return fbk_fail(-EINVAL, "mode '%s' has no refresh rate after '@'; %s",
					printable(shown, text), expect);
		for (; *p >= '0' && *p <= '9' && want.refresh <= MAX_REFRESH; p++)
			want.refresh = want.refresh * 10 + (uint32_t)(*p - '0');
		if (*p && (*p < '0' || *p > '9'))
			return fbk_fail(-EINVAL, "mode '%s': the refresh rate must be a whole number "
						 "of Hz; %s",
					printable(shown, text), expect);
		if (want.refresh < 1 || want.refresh > MAX_REFRESH)
			return fbk_fail(-EINVAL, "mode '%s': the refresh rate must be 1..%d Hz",
					printable(shown, text), MAX_REFRESH);
	}
	*out = want;
	return 0;
}

void fbk_drm_connector_name(uint32_t type, uint32_t type_id, char *out, size_t size)
{
	const char *name = drmModeGetConnectorTypeName(type);
	if (name)
		snprintf(out, size, "%s-%u", name, (unsigned)type_id);
	else
		snprintf(out, size, "Type%u-%u", (unsigned)type, (unsigned)type_id);
}

const char *fbk_drm_connection_name(drmModeConnection connection)
{
	switch (connection) {
	case DRM_MODE_CONNECTED:
		return "connected";
	case DRM_MODE_DISCONNECTED:
		return "disconnected";
	default:
		return "unknown";
	}
}

uint32_t fbk_drm_mode_refresh(const drmModeModeInfo *mode)
{
	if (mode->vrefresh)
		return mode->vrefresh;
	if (!mode->htotal || !mode->vtotal)
		return 0;
	/* clock is in kHz; interlaced modes show two fields per frame, doublescan halves. */
	uint64_t frame = (uint64_t)mode->htotal * mode->vtotal;
	uint64_t hz1000 = (uint64_t)mode->clock * 1000000u / frame;
	if (mode->flags & DRM_MODE_FLAG_INTERLACE)
		hz1000 *= 2;
	if (mode->flags & DRM_MODE_FLAG_DBLSCAN)
		hz1000 /= 2;
	if (mode->vscan > 1)
		hz1000 /= mode->vscan;
	return (uint32_t)((hz1000 + 500) / 1000);
}

void fbk_drm_mode_name(const drmModeModeInfo *mode, char *out, size_t size)
{
	snprintf(out, size, "%ux%u%s@%u", (unsigned)mode->hdisplay, (unsigned)mode->vdisplay,
		 (mode->flags & DRM_MODE_FLAG_INTERLACE) ? "i" : "",
		 (unsigned)fbk_drm_mode_refresh(mode));
}

int fbk_drm_pick_connector(drmModeConnector *const *connectors, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		const drmModeConnector *c = connectors[i];
		if (name) {
			char own[48];
			fbk_drm_connector_name(c->connector_type, c->connector_type_id, own,
					       sizeof(own));
			if (!strcasecmp(own, name))
				return (int)i;
		} else if (c->connection == DRM_MODE_CONNECTED && c->count_modes > 0) {
			return (int)i;
		}
	}
	return -1;
}

static bool matches(const drmModeModeInfo *mode, const struct fbk_drm_mode_request *want)
{
	return mode->hdisplay == want->width && mode->vdisplay == want->height &&
	       (!want->refresh || fbk_drm_mode_refresh(mode) == want->refresh);
}

int fbk_drm_pick_mode(const drmModeModeInfo *modes, size_t n,
		      const struct fbk_drm_mode_request *want)
{
	int first = -1, progressive = -1;
	for (size_t i = 0; i < n; i++) {
		if (want && !matches(&modes[i], want))
			continue;
		if (modes[i].type & DRM_MODE_TYPE_PREFERRED)
			return (int)i;
		if (first < 0)
			first = (int)i;
		if (progressive < 0 && !(modes[i].flags & DRM_MODE_FLAG_INTERLACE))
			progressive = (int)i;
	}
	/* Without a request, the first mode: the kernel lists the best ones first. */
	return !want || progressive < 0 ? first : progressive;
}

int fbk_drm_pick_crtc(uint32_t possible, int current, const bool *busy, size_t count)
{
	if (count > 32)
		count = 32; /* possible_crtcs has one bit per CRTC */
	if (current >= 0 && (size_t)current < count && (possible & (1u << current)))
		return current;
	bool reachable = false;
	for (size_t i = 0; i < count; i++) {
		if ((possible & (1u << i)) && !busy[i])
			return (int)i;
		reachable |= (possible & (1u << i)) != 0;
	}
	return reachable ? -ENOSPC : -ENODEV;
}

static bool listed_before(const drmModeModeInfo *modes, size_t first, size_t i, const char *name)
{
	for (size_t j = first; j < i; j++) {
		char other[48];
		fbk_drm_mode_name(&modes[j], other, sizeof(other));
		if (!strcmp(other, name))
			return true;
	}
	return false;
}

size_t fbk_drm_list_modes(const drmModeModeInfo *modes, size_t n, size_t first, char *out,
			  size_t size)
{
	size_t used = 0;
	if (size)
		out[0] = '\0';
	for (size_t i = first; i < n; i++) {
		char name[48], entry[72];
		fbk_drm_mode_name(&modes[i], name, sizeof(name));
		if (listed_before(modes, first, i, name))
			continue;
		int len = snprintf(entry, sizeof(entry), "%s%s%s", used ? ", " : "", name,
				   (modes[i].type & DRM_MODE_TYPE_PREFERRED) ? " (preferred)" : "");
		if (len < 0 || used + (size_t)len >= size)
			return i;
		memcpy(out + used, entry, (size_t)len + 1);
		used += (size_t)len;
	}
	return n;
}

void fbk_drm_list_connectors(drmModeConnector *const *connectors, size_t n, char *out,
			     size_t size)
{
	size_t used = 0;
	if (!size)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char name[48], entry[80];
		fbk_drm_connector_name(connectors[i]->connector_type,
				       connectors[i]->connector_type_id, name, sizeof(name));
		int len = snprintf(entry, sizeof(entry), "%s%s (%s)", used ? ", " : "", name,
				   fbk_drm_connection_name(connectors[i]->connection));
		if (len < 0 || used + (size_t)len + 5 >= size) {
			if (used + 5 < size)
				memcpy(out + used, ", ...", 6);
			return;
		}
		memcpy(out + used, entry, (size_t)len + 1);
		used += (size_t)len;
	}
}
