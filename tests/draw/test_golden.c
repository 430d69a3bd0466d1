/*
 * Whole scenes against golden images, once per pixel format: the same
 * drawing calls must give the same picture (up to each format's precision)
 * on every format, odd size and odd stride included.
 */
#include "config.h"
#include "harness.h"

#if FBK_HAVE_PNG
#include "golden.h"

/* An ARGB sprite with a smooth alpha ramp: exercises OVER at every alpha. */
static struct fbk_surface *make_sprite(void)
{
	struct fbk_surface *sprite;
	if (fbk_surface_create(&sprite, 48, 32, FBK_FORMAT_ARGB8888))
		return NULL;
	for (int32_t y = 0; y < 32; y++)
		for (int32_t x = 0; x < 48; x++) {
			struct fbk_color c = { (uint8_t)(x * 5), (uint8_t)(y * 8), 200, (uint8_t)(x * 255 / 47) };
			uint32_t *p = (uint32_t *)((uint8_t *)sprite->pixels + y * sprite->stride) + x;
			*p = fbk_color_pack(FBK_FORMAT_ARGB8888, c);
		}
	return sprite;
}

static void draw_scene(struct fbk_surface *s, const struct fbk_surface *sprite)
{
	fbk_fill(s, NULL, FBK_RGB(20, 30, 50));
	for (int32_t i = 0; i < 8; i++)
		fbk_fill(s, &(struct fbk_rect){ i * 25, 0, 25, 12 },
			 FBK_RGB((uint8_t)(i * 36), (uint8_t)(255 - i * 30), (uint8_t)(i * 20)));
	for (int32_t i = 0; i <= 16; i++) {
		fbk_line(s, 60, 70, 60 + (i - 8) * 7, 14, FBK_RGB(255, (uint8_t)(i * 15), 0));
		fbk_line(s, 60, 70, 4, 70 + (i - 8) * 6, FBK_RGB(0, (uint8_t)(i * 15), 255));
		fbk_line(s, 60, 70, 116, 126 - i * 7, FBK_RGBA(255, 255, 255, 128));
	}
	fbk_line(s, -50000, 128, 70000, 40, FBK_RGB(255, 0, 255));
	fbk_rect_outline(s, &(struct fbk_rect){ 2, 14, 117, 114 }, FBK_RGB(250, 250, 250));
	fbk_fill(s, &(struct fbk_rect){ 120, 20, 50, 40 }, FBK_RGBA(255, 0, 0, 140));
	fbk_fill(s, &(struct fbk_rect){ 140, 35, 50, 40 }, FBK_RGBA(0, 255, 0, 100));
	fbk_fill(s, &(struct fbk_rect){ 130, 50, 50, 40 }, FBK_RGBA(0, 0, 255, 180));
	if (sprite) {
		fbk_blit(s, 125, 95, sprite, NULL, FBK_OP_OVER, 255);
		fbk_blit(s, 160, 100, sprite, &(struct fbk_rect){ 8, 4, 40, 28 }, FBK_OP_OVER, 128);
		fbk_blit(s, 180, 0, sprite, NULL, FBK_OP_SRC, 255); /* cut by the right edge */
	}
	/* Copy a piece of the scene onto itself, overlapping. */
	fbk_blit(s, 5, 20, s, &(struct fbk_rect){ 0, 12, 60, 30 }, FBK_OP_SRC, 255);
	fbk_text_draw(s, fbk_font_builtin(), 4, 114, "fbkit Ünïcödé ok\n\tx\xff", FBK_RGB(255, 255, 0),
		      &(struct fbk_color){ 0, 0, 0, 160 });
}

int main(void)
{
	struct fbk_surface *sprite = make_sprite();
	CHECK(sprite != NULL, "sprite");
	for (size_t i = 0; fbk_format_at(i); i++) {
		const struct fbk_format_info *f = fbk_format_at(i);
		/* Odd size and a stride with padding. */
		int32_t w = 203, h = 141;
		size_t stride = (size_t)w * f->bytes_per_pixel + 5;
		uint8_t *pixels = calloc(stride, (size_t)h);
		struct fbk_surface s;
		CHECK(pixels && fbk_surface_init(&s, pixels, w, h, stride, f->fourcc) == 0, "%s", f->name);
		if (!pixels)
			continue;
		draw_scene(&s, sprite);
		char name[64];
		snprintf(name, sizeof(name), "scene-%s", f->long_name);
		CHECK(golden_check(&s, name), "%s matches its golden image", name);
		free(pixels);
	}
	fbk_surface_destroy(sprite);
	return harness_exit();
}
#else
int main(void)
{
	SKIP("fbkit built without libpng: golden images cannot be read");
}
#endif
