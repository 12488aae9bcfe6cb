/* gettext wrappers: _() marks text for translation, N_() only marks it. */
#ifndef KVL_I18N_H
#define KVL_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

#endif
