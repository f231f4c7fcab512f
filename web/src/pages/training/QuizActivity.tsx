import { Button, Checkbox, Radio, RadioGroup, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useRef, useState, type FormEvent } from 'react';
import { ErrorState, LoadingState, Notice, } from '../../components/States';
import { useLoad } from '../../components/useLoad';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { percent, text } from './format';
import type { Told } from './format';
import type { MyItem, Quiz, QuizResult } from './types';

const useStyles = makeStyles({
  h3: { margin: 0 },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '48rem' },
  fieldset: { border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`, borderRadius: tokens.borderRadiusMedium, padding: tokens.spacingHorizontalM, margin: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  invalid: { borderTopColor: tokens.colorPaletteRedBorder2, borderRightColor: tokens.colorPaletteRedBorder2, borderBottomColor: tokens.colorPaletteRedBorder2, borderLeftColor: tokens.colorPaletteRedBorder2 },
  legend: { fontWeight: tokens.fontWeightSemibold, padding: `0 ${tokens.spacingHorizontalXS}` },
  error: { color: tokens.colorPaletteRedForeground1, margin: 0 },
  results: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  result: { padding: tokens.spacingHorizontalM, borderLeft: `${tokens.strokeWidthThicker} solid ${tokens.colorNeutralStroke1}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  right: { borderLeftColor: tokens.colorPaletteGreenBorder2 },
  wrong: { borderLeftColor: tokens.colorPaletteRedBorder2 },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
});

/**
 * A quiz on one page: each question a group with its legend (radio buttons when one answer is right,
 * checkboxes when several are), in the order the server shuffled; after submitting, the score, each
 * question right or wrong with its explanation, and the attempts left.
 */
export function QuizActivity({ item, onPassed, onAttempt, onClose }: { item: MyItem; onPassed(said: Told): void; onAttempt(): void; onClose(): void }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const [round, setRound] = useState(0);
  const path = `training/modules/${encodeURIComponent(item.moduleId)}/quiz`;
  const loaded = useLoad(() => api.get<Quiz>(path).then((q) => ({ round, quiz: q })), () => ({ key: 'quizLoaded' }), [api, path, round]);
  // A new attempt shows its own questions (a new order, the attempts left), never the last ones meanwhile.
  const quiz = loaded.value?.round === round ? loaded.value.quiz : null;
  const [answers, setAnswers] = useState<Record<string, string[]>>({});
  const [missing, setMissing] = useState<string[]>([]);
  const [result, setResult] = useState<QuizResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const resultRef = useRef<HTMLDivElement>(null);

  const choose = (questionId: string, choices: string[]) => {
    setAnswers((a) => ({ ...a, [questionId]: choices }));
    setMissing((m) => m.filter((id) => id !== questionId));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!quiz) return;
    const unanswered = quiz.questions.filter((q) => !answers[q.id]?.length).map((q) => q.id);
    setMissing(unanswered);
    if (unanswered.length) {
      document.getElementById(`question-${unanswered[0]}`)?.querySelector('input')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<QuizResult>(path, { answers });
      setResult(r.body);
      onAttempt();
      if (r.body.passed) onPassed({ key: 'quizPassedNotice', title: item.title, share: r.body.score });
      setTimeout(() => resultRef.current?.focus(), 0);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const again = () => {
    setResult(null);
    setAnswers({});
    setMissing([]);
    setRound((n) => n + 1);
  };

  const choiceText = (questionId: string, choiceId: string) => {
    const c = quiz?.questions.find((q) => q.id === questionId)?.choices.find((ch) => ch.id === choiceId);
    return c ? text(i18n, c.text) : choiceId;
  };
  const questionNumber = (id: string) => (quiz ? quiz.questions.findIndex((q) => q.id === id) + 1 : 0);

  return (
    <>
      <h3 id="activity-title" className={s.h3}>
        {text(i18n, item.title)}
      </h3>
      {loaded.error && !result ? <ErrorState error={loaded.error} onRetry={loaded.retry} /> : null}
      {!quiz && !loaded.error ? <LoadingState /> : null}
      {quiz && !result ? (
        <form id="quiz-form" className={s.form} noValidate onSubmit={(e) => void submit(e)} aria-describedby="quiz-intro">
          <Text id="quiz-intro">
            {t('quizIntro', { count: quiz.questions.length, passMark: percent(i18n, quiz.passMark) })}{' '}
            {quiz.maxAttempts === null ? t('attemptsUnlimited', { used: quiz.attemptsUsed }) : t('attemptsLeftBefore', { left: quiz.maxAttempts - quiz.attemptsUsed, max: quiz.maxAttempts })}
          </Text>
          {quiz.questions.map((q, i) => {
            const invalid = missing.includes(q.id);
            const legendId = `question-${q.id}-legend`;
            const errorId = `question-${q.id}-error`;
            return (
              <fieldset key={q.id} id={`question-${q.id}`} className={invalid ? `${s.fieldset} ${s.invalid}` : s.fieldset} aria-describedby={invalid ? errorId : undefined}>
                <legend id={legendId} className={s.legend}>
                  {t('questionLegend', { n: i + 1, prompt: text(i18n, q.prompt) })}
                </legend>
                {q.kind === 'multiple' ? <Text size={200}>{t('chooseAll')}</Text> : null}
                {q.kind === 'single' ? (
                  <RadioGroup aria-labelledby={legendId} value={answers[q.id]?.[0] ?? ''} onChange={(_, d) => choose(q.id, [d.value])} aria-invalid={invalid || undefined} aria-required>
                    {q.choices.map((c) => (
                      <Radio key={c.id} value={c.id} label={text(i18n, c.text)} />
                    ))}
                  </RadioGroup>
                ) : (
                  q.choices.map((c) => (
                    <Checkbox
                      key={c.id}
                      value={c.id}
                      label={text(i18n, c.text)}
                      checked={answers[q.id]?.includes(c.id) ?? false}
                      onChange={(_, d) => {
                        const current = answers[q.id] ?? [];
                        choose(q.id, d.checked === true ? [...current, c.id] : current.filter((id) => id !== c.id));
                      }}
                    />
                  ))
                )}
                {invalid ? (
                  <p id={errorId} className={s.error}>
                    {t('questionUnanswered')}
                  </p>
                ) : null}
              </fieldset>
            );
          })}
          {missing.length ? (
            <p role="alert" className={s.error} id="quiz-missing">
              {t('quizMissing', { questions: i18n.list(missing.map((id) => String(questionNumber(id)))) })}
            </p>
          ) : null}
          {error ? <ErrorState error={error} /> : null}
          <div className={s.actions}>
            <Button type="submit" appearance="primary" id="quiz-submit" disabled={busy}>
              {busy ? t('working') : t('quizSubmit')}
            </Button>
            <Button type="button" onClick={onClose}>
              {t('close')}
            </Button>
          </div>
        </form>
      ) : null}
      {result && quiz ? (
        <div id="quiz-result" ref={resultRef} tabIndex={-1} className={s.form}>
          <Notice intent={result.passed ? 'success' : 'warning'} id="quiz-score">
            {result.passed ? t('quizPassed', { score: percent(i18n, result.score), passMark: percent(i18n, result.passMark) }) : t('quizFailed', { score: percent(i18n, result.score), passMark: percent(i18n, result.passMark) })}{' '}
            {result.passed ? '' : result.attemptsLeft === null ? t('attemptsUnlimited', { used: result.attemptsUsed }) : result.attemptsLeft > 0 ? t('attemptsLeftAfter', { left: result.attemptsLeft }) : t('attemptsNoneLeft')}
          </Notice>
          <ol className={s.results} id="quiz-explanations">
            {/* In the order the questions were shown (the API answers in the catalogue's). */}
            {[...result.results].sort((a, b) => questionNumber(a.questionId) - questionNumber(b.questionId)).map((r) => {
              const q = quiz.questions.find((qq) => qq.id === r.questionId);
              return (
                <li key={r.questionId} className={`${s.result} ${r.correct ? s.right : s.wrong}`}>
                  <Text weight="semibold">{t('questionLegend', { n: questionNumber(r.questionId), prompt: q ? text(i18n, q.prompt) : '' })}</Text>
                  <Text>{t('yourAnswer', { answer: i18n.list((answers[r.questionId] ?? []).map((c) => choiceText(r.questionId, c))) })}</Text>
                  <Text weight="semibold">{r.correct ? t('answerRight') : t('answerWrong')}</Text>
                  <Text>{t('rightAnswer', { answer: i18n.list(r.correctChoices.map((c) => choiceText(r.questionId, c))) })}</Text>
                  <Text>{text(i18n, r.explanation)}</Text>
                </li>
              );
            })}
          </ol>
          <div className={s.actions}>
            {!result.passed && (result.attemptsLeft === null || result.attemptsLeft > 0) ? (
              <Button appearance="primary" id="quiz-again" onClick={again}>
                {t('quizAgain')}
              </Button>
            ) : null}
            <Button onClick={onClose}>{t('close')}</Button>
          </div>
        </div>
      ) : null}
    </>
  );
}
