/* ask.h: a yes-or-no question to the operator on the terminal: before `run` changes a real
 * target, and at a `pause` action. Nothing is kept; the question is the caller's. */
#ifndef HP_ASK_H
#define HP_ASK_H

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

#endif
