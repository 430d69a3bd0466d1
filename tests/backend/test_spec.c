/*
 * The display spec parser: how good specs split, that every bad one fails
 * with -EINVAL and a message quoting it, and the WxH size parser.
 */
#include <errno.h>

#include "harness.h"
#include "backend/spec.h"

struct good_case {
	const char *text;
	const char *backend;
	const char *argument;
	size_t option_count;
	/* key, value pairs; value NULL for a bare flag */
	const char *options[8][2];
};

static const struct good_case good[] = {
	{ "offscreen", "offscreen", NULL, 0, { { NULL, NULL } } },
	{ "offscreen:640x480", "offscreen", "640x480", 0, { { NULL, NULL } } },
	{ "offscreen:800x600,format=RG16", "offscreen", "800x600", 1, { { "format", "RG16" } } },
	{ "offscreen,format=XR24,file=/tmp/screen", "offscreen", NULL, 2,
	  { { "format", "XR24" }, { "file", "/tmp/screen" } } },
	{ "drm:/dev/dri/card1,connector=HDMI-A-1,mode=1920x1080@60", "drm", "/dev/dri/card1", 2,
	  { { "connector", "HDMI-A-1" }, { "mode", "1920x1080@60" } } },
	{ "fbdev:/dev/fb0", "fbdev", "/dev/fb0", 0, { { NULL, NULL } } },
	{ "auto", "auto", NULL, 0, { { NULL, NULL } } },
	{ "drm,vsync", "drm", NULL, 1, { { "vsync", NULL } } },
	{ "drm,vsync,mode=640x480", "drm", NULL, 2, { { "vsync", NULL }, { "mode", "640x480" } } },
	/* The argument and values are any text without ',': ':' and '=' too. */
	{ "fbdev:/dev/a:b=c", "fbdev", "/dev/a:b=c", 0, { { NULL, NULL } } },
	{ "x,k=a=b:c", "x", NULL, 1, { { "k", "a=b:c" } } },
	{ "my_back-end2:arg", "my_back-end2", "arg", 0, { { NULL, NULL } } },
	{ "a,b_1,c-2=3", "a", NULL, 2, { { "b_1", NULL }, { "c-2", "3" } } },
	{ "offscreen:with space,file=/a b", "offscreen", "with space", 1, { { "file", "/a b" } } },
};

/* Things that are wrong with the grammar itself, not with a backend. */
static const char *const bad[] = {
	"",
	":640x480",
	"offscreen:",
	"offscreen,",
	",offscreen",
	"offscreen,,format=XR24",
	"offscreen,=XR24",
	"offscreen,format=",
	"offscreen,format=XR24,format=AR24",
	"offscreen,vsync,vsync",
	"Offscreen",
	" offscreen",
	"offscreen ",
	"off screen",
	"offscreen, format=XR24",
	"offscreen,Format=XR24",
	"offscreen,format name=XR24",
	"off.screen",
	"offscreen\x01",
	"offscr\xc3\xa9n",
	"offscreen,a\"b=1",
	"x,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q",
	"x:",
	"x:,a=1",
	"x,a=1,",
};

static void test_good(void)
{
	static struct fbk_spec spec;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct good_case *c = &good[i];
		int err = fbk_spec_parse(&spec, c->text);
		CHECK(err == 0, "\"%s\": error %d (%s)", c->text, err, fbk_last_error());
		if (err)
			continue;
		CHECK(!strcmp(spec.backend, c->backend), "\"%s\": backend '%s'", c->text,
		      spec.backend);
		CHECK(c->argument ? spec.argument && !strcmp(spec.argument, c->argument)
				  : !spec.argument,
		      "\"%s\": argument '%s'", c->text, spec.argument ? spec.argument : "(null)");
		CHECK(spec.option_count == c->option_count, "\"%s\": %zu options", c->text,
		      spec.option_count);
		for (size_t k = 0; k < c->option_count && k < spec.option_count; k++) {
			const char *key = c->options[k][0], *value = c->options[k][1];
			CHECK(!strcmp(spec.options[k].key, key), "\"%s\": key %zu is '%s'", c->text,
			      k, spec.options[k].key);
			CHECK(fbk_spec_has(&spec, key), "\"%s\": has '%s'", c->text, key);
			const char *got = fbk_spec_get(&spec, key);
			CHECK(value ? got && !strcmp(got, value) : !got, "\"%s\": '%s' is '%s'",
			      c->text, key, got ? got : "(null)");
		}
		CHECK(!fbk_spec_has(&spec, "absent") && !fbk_spec_get(&spec, "absent"),
		      "\"%s\": absent key found", c->text);
	}
}

static void test_bad(void)
{
	static struct fbk_spec spec;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = fbk_spec_parse(&spec, bad[i]);
		const char *msg = fbk_last_error();
		CHECK(err == -EINVAL, "\"%s\": got %d, want -EINVAL", bad[i], err);
		CHECK(strstr(msg, "display spec \"") == msg, "\"%s\": message '%s'", bad[i], msg);
		/* Quoted with escapes, so compare the printable start only. */
		char start[5] = "";
		snprintf(start, sizeof(start), "%s", bad[i]);
		int printable = 1;
		for (const char *p = start; *p; p++)
			printable &= *p >= 0x20 && *p < 0x7f && *p != '"';
		if (printable)
			CHECK(strstr(msg, start) != NULL, "\"%s\": message '%s' does not quote it",
			      bad[i], msg);
		CHECK(strlen(msg) > strlen("display spec \"\": ") + strlen(bad[i]) / 2,
		      "\"%s\": message '%s' says nothing", bad[i], msg);
	}

	CHECK(fbk_spec_parse(&spec, NULL) == -EINVAL, "NULL spec");
	CHECK(strstr(fbk_last_error(), "NULL") != NULL, "NULL message: %s", fbk_last_error());
	CHECK(fbk_spec_parse(NULL, "offscreen") == -EINVAL, "NULL output");

	/* Messages that must say what is wrong, not just that something is. */
	static const struct {
		const char *text, *needle;
	} says[] = {
		{ "offscreen:", "empty argument" },
		{ "offscreen,,a", "empty" },
		{ "offscreen,a=1,a=2", "more than once" },
		{ "offscreen,format=", "empty value" },
		{ "Offscreen", "'O'" },
		{ "x,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", "more than 16" },
		{ "offscreen\x01", "\\x01" },
	};
	for (size_t i = 0; i < sizeof(says) / sizeof(says[0]); i++) {
		fbk_spec_parse(&spec, says[i].text);
		CHECK(strstr(fbk_last_error(), says[i].needle) != NULL, "\"%s\": '%s' lacks '%s'",
		      says[i].text, fbk_last_error(), says[i].needle);
	}

	/* Length limits: exactly the maximum is fine, one more is not. */
	static char long_text[FBK_SPEC_MAX_LENGTH + 2];
	memset(long_text, 'a', FBK_SPEC_MAX_LENGTH);
	long_text[FBK_SPEC_MAX_LENGTH] = '\0';
	CHECK(fbk_spec_parse(&spec, long_text) == 0, "max length: %s", fbk_last_error());
	long_text[FBK_SPEC_MAX_LENGTH] = 'a';
	long_text[FBK_SPEC_MAX_LENGTH + 1] = '\0';
	CHECK(fbk_spec_parse(&spec, long_text) == -EINVAL, "over-long spec accepted");
	CHECK(strlen(fbk_last_error()) < 400 && strstr(fbk_last_error(), "longer"),
	      "over-long message: %s", fbk_last_error());

	/* 16 options is the limit, not an error. */
	CHECK(fbk_spec_parse(&spec, "x,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p") == 0, "16 options: %s",
	      fbk_last_error());
	CHECK(spec.option_count == 16, "16 options: %zu", spec.option_count);
}

/* A parse must not point into the text it was given: the caller may free it. */
static void test_storage(void)
{
	static struct fbk_spec spec;
	char text[] = "drm:card,mode=1x1,flag";
	CHECK(fbk_spec_parse(&spec, text) == 0, "parse: %s", fbk_last_error());
	memset(text, '#', sizeof(text) - 1);
	CHECK(!strcmp(spec.backend, "drm") && !strcmp(spec.argument, "card") &&
		      !strcmp(fbk_spec_get(&spec, "mode"), "1x1") && fbk_spec_has(&spec, "flag"),
	      "spec changed with the text");

	/* A failed parse leaves the previous result alone. */
	CHECK(fbk_spec_parse(&spec, "bad,") == -EINVAL, "bad parse");
	CHECK(!strcmp(spec.backend, "drm"), "failed parse changed the spec");

	/* The spec's own storage may be fed back in. */
	CHECK(fbk_spec_parse(&spec, "fbdev:/dev/fb1") == 0, "parse");
	CHECK(fbk_spec_parse(&spec, spec.storage) == 0 && !strcmp(spec.backend, "fbdev") &&
		      !spec.argument && spec.option_count == 0,
	      "re-parse of own storage");
	CHECK(fbk_spec_parse(&spec, "a:x:y") == 0 && spec.argument, "parse");
	CHECK(spec.argument && fbk_spec_parse(&spec, spec.argument) == 0 &&
		      !strcmp(spec.backend, "x") && spec.argument && !strcmp(spec.argument, "y"),
	      "parse of text in own storage");
}

static void test_check_keys(void)
{
	static struct fbk_spec spec;
	static const char *const known[] = { "format", "file", NULL };
	static const char *const none[] = { NULL };
	CHECK(fbk_spec_parse(&spec, "offscreen,format=XR24,file=x") == 0, "parse");
	CHECK(fbk_spec_check_keys(&spec, known) == 0, "known keys: %s", fbk_last_error());

	CHECK(fbk_spec_parse(&spec, "offscreen:1x1,format=XR24,bogus=1") == 0, "parse");
	CHECK(fbk_spec_check_keys(&spec, known) == -EINVAL, "unknown key accepted");
	const char *msg = fbk_last_error();
	CHECK(strstr(msg, "bogus") && strstr(msg, "format, file") &&
		      strstr(msg, "\"offscreen:1x1,format=XR24,bogus=1\""),
	      "message: %s", msg);

	CHECK(fbk_spec_parse(&spec, "auto,x") == 0, "parse");
	CHECK(fbk_spec_check_keys(&spec, none) == -EINVAL, "no keys allowed");
	CHECK(strstr(fbk_last_error(), "no options"), "message: %s", fbk_last_error());

	CHECK(fbk_spec_parse(&spec, "auto") == 0, "parse");
	CHECK(fbk_spec_check_keys(&spec, none) == 0, "no options, none allowed");

	/* Options every display takes, listed in the message, bare flags only. */
	CHECK(fbk_spec_parse(&spec, "auto,no-signals") == 0, "parse");
	CHECK(fbk_spec_check_keys(&spec, none) == 0, "no-signals refused: %s", fbk_last_error());
	CHECK(fbk_spec_parse(&spec, "offscreen,format=XR24,no-signals") == 0, "parse");
	CHECK(fbk_spec_check_keys(&spec, known) == 0, "no-signals refused: %s", fbk_last_error());
	CHECK(fbk_spec_parse(&spec, "offscreen,no-signals=yes") == 0, "parse");
	CHECK(fbk_spec_check_keys(&spec, known) == -EINVAL, "no-signals=yes accepted");
	CHECK(strstr(fbk_last_error(), "takes no value"), "message: %s", fbk_last_error());
	CHECK(fbk_spec_parse(&spec, "offscreen,bogus") == 0, "parse");
	CHECK(fbk_spec_check_keys(&spec, known) == -EINVAL, "bogus accepted");
	CHECK(strstr(fbk_last_error(), "every display takes: no-signals"), "message: %s",
	      fbk_last_error());
	CHECK(fbk_spec_is_common("no-signals") && !fbk_spec_is_common("format") &&
		      !fbk_spec_is_common(NULL),
	      "common keys");
	CHECK(strstr(fbk_last_error(), "rotate"), "message: %s", fbk_last_error());
}

/* rotate=: every display takes it with a value, and only quarter turns. */
static void test_rotation(void)
{
	static struct fbk_spec spec;
	static const char *const none[] = { NULL };
	static const struct {
		const char *text;
		int err, degrees;
	} cases[] = {
		{ "auto", 0, 0 },
		{ "auto,rotate=0", 0, 0 },
		{ "auto,rotate=90", 0, 90 },
		{ "drm,rotate=180,no-signals", 0, 180 },
		{ "fbdev,rotate=270", 0, 270 },
		{ "auto,rotate", -EINVAL, 0 },
		{ "auto,rotate=45", -EINVAL, 0 },
		{ "auto,rotate=360", -EINVAL, 0 },
		{ "auto,rotate=-90", -EINVAL, 0 },
		{ "auto,rotate=90x", -EINVAL, 0 },
		{ "auto,rotate=+90", -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(fbk_spec_parse(&spec, cases[i].text) == 0, "parse %s", cases[i].text);
		CHECK(fbk_spec_check_keys(&spec, none) == 0, "%s: %s", cases[i].text,
		      fbk_last_error());
		int degrees = -1;
		int err = fbk_spec_rotation(&spec, &degrees);
		CHECK(err == cases[i].err && (err || degrees == cases[i].degrees),
		      "%s: %d, %d degrees", cases[i].text, err, degrees);
		CHECK(!err || strstr(fbk_last_error(), "0, 90, 180 or 270"), "%s: message: %s",
		      cases[i].text, fbk_last_error());
	}
	CHECK(fbk_spec_is_common("rotate"), "rotate is not common");
}

static void test_sizes(void)
{
	static const struct {
		const char *text;
		int32_t w, h;
	} sizes[] = {
		{ "1x1", 1, 1 },
		{ "640x480", 640, 480 },
		{ "32767x32767", 32767, 32767 },
		{ "007x08", 7, 8 },
		{ "1x32767", 1, 32767 },
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int32_t w = 0, h = 0;
		int err = fbk_spec_parse_size(sizes[i].text, &w, &h);
		CHECK(err == 0 && w == sizes[i].w && h == sizes[i].h, "\"%s\": %d %dx%d (%s)",
		      sizes[i].text, err, (int)w, (int)h, fbk_last_error());
	}

	static const char *const bad_sizes[] = {
		"0x5", "5x0", "0x0", "99999x5", "5x99999", "32768x1", "1x32768", "-1x5", "5x-1",
		"+5x5", "5x+5", "5x", "x5", "x", "", "5", "1e3x5", "5x5x5", "5 x5", " 5x5",
		"5x5 ", "5X5", "0x10", "5,5", "5x5\n", "4294967297x5", "5x4294967297",
		"99999999999999999999999999x5", "5x18446744073709551621", "0.5x5", "\xef\xbc\x95x5",
	};
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		int32_t w = -7, h = -7;
		int err = fbk_spec_parse_size(bad_sizes[i], &w, &h);
		CHECK(err == -EINVAL, "\"%s\": got %d", bad_sizes[i], err);
		CHECK(w == -7 && h == -7, "\"%s\": outputs changed on failure", bad_sizes[i]);
		CHECK(strstr(fbk_last_error(), "size '") == fbk_last_error(),
		      "\"%s\": message '%s'", bad_sizes[i], fbk_last_error());
	}
	int32_t w, h;
	CHECK(fbk_spec_parse_size(NULL, &w, &h) == -EINVAL, "NULL size");
	CHECK(fbk_spec_parse_size("1x1", NULL, &h) == -EINVAL, "NULL width");
	CHECK(fbk_spec_parse_size("800x", &w, &h) == -EINVAL &&
		      strstr(fbk_last_error(), "no height"),
	      "800x: %s", fbk_last_error());
	CHECK(fbk_spec_parse_size("99999x5", &w, &h) == -EINVAL &&
		      strstr(fbk_last_error(), "32767"),
	      "99999x5: %s", fbk_last_error());
}

/* Flags: present or not; a value is refused with a message naming the key. */
static void test_flags(void)
{
	static struct fbk_spec spec;
	CHECK(fbk_spec_parse(&spec, "x,on,valued=1") == 0, "parse: %s", fbk_last_error());
	bool flag = false;
	CHECK(fbk_spec_flag(&spec, "on", &flag) == 0 && flag, "a bare flag is set");
	flag = true;
	CHECK(fbk_spec_flag(&spec, "off", &flag) == 0 && !flag, "an absent flag is clear");
	CHECK(fbk_spec_flag(&spec, "valued", &flag) == -EINVAL, "a flag with a value accepted");
	CHECK(strstr(fbk_last_error(), "option 'valued' takes no value (write just 'valued')"),
	      "message '%s'", fbk_last_error());
}

int main(void)
{
	test_good();
	test_bad();
	test_storage();
	test_check_keys();
	test_sizes();
	test_flags();
	test_rotation();
	return harness_exit();
}
