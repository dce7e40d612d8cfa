#ifndef TSCOPE_CNCURSES_SHIM_H
#define TSCOPE_CNCURSES_SHIM_H
// Wide-character ncurses: braille and box drawing need the w-variants.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <ncursesw/curses.h>
#endif
