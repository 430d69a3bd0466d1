import sys
open(sys.argv[2], 'w').write('#include "font.h"\nstatic const unsigned char g[16];\nconst struct fbk_font fbk_builtin_font = { 8, 16, 1, 1, g, 0, 0, FBK_NO_GLYPH, 1, 0 };\n')
