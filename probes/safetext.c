/* probes/safetext.c: see safetext.h. */
#include "buildconf.h"
#include "safetext.h"

size_t
safe_text(const char *in, size_t inlen, char *out, size_t outsz, unsigned flags)
{
	size_t n = 0;

	if (outsz == 0)
		return 0;
	for (size_t i = 0; i < inlen && in[i] != '\0'; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '\r' || c == '\n') {
			if (c == '\r' && i + 1 < inlen && in[i + 1] == '\n')
				i++;          /* CR LF is one break */
			if (flags & SAFE_LINES) {
				if (n + 2 > outsz - 1)
					break;
				out[n++] = '\r';
				out[n++] = '\n';
				continue;
			}
			c = ' ';
		} else if (c == '\t') {
			c = ' ';
		} else if (c == '|' && (flags & SAFE_PLUGIN)) {
			c = '!';
		} else if (c < 0x20 || c > 0x7e) {
			c = '?';
		}
		if (n + 1 > outsz - 1)
			break;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n;
}

size_t
safe_str(const char *in, char *out, size_t outsz, unsigned flags)
{
	static const char empty[] = "";

	if (in == NULL)
		in = empty;
	return safe_text(in, (size_t)-1, out, outsz, flags);
}
