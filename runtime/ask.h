/* ask.h: a question to the operator on the terminal: yes or no before `run` changes a real
 * target and at a `pause` action; a secret param's value that `resume` needs again. Nothing
 * is kept; the question and the answer's buffer are the caller's. */
#ifndef HP_ASK_H
#define HP_ASK_H

#include <stddef.h>

enum ask_answer {
	ASK_YES,          /* the line read starts with y or Y */
	ASK_NO,           /* any other line, or the end of input */
	ASK_NO_TERMINAL,  /* stdin is not a terminal, or /dev/tty cannot be opened: nobody to ask */
	ASK_UNSEEN,       /* the question could not be written: a question not seen has no answer */
};

/* Write `question` as it is (it ends with "[y/N] "; the caller escapes what is not its own)
 * on /dev/tty when stdin is a terminal, and read one line of answer. For ASK_UNSEEN, *err is
 * the errno of the failed write. */
enum ask_answer ask_yes_no(const char *question, int *err);

/* Write `question` the same way and read one line with the terminal's echo off (restored
 * after, also when the read fails or a signal cuts it short), its line end dropped, into
 * buf[len]. ASK_YES: a value was read; ASK_NO: end of input, an empty line, or one longer than
 * buf; ASK_NO_TERMINAL; ASK_UNSEEN (*err: the errno of the failed write or of turning the echo
 * off). */
enum ask_answer ask_secret(const char *question, char *buf, size_t len, int *err);

#endif
