import { Option } from '@fluentui/react-components';

/**
 * The line a search-as-you-type list shows when it has no options to offer: "searching" while the
 * answer for the typed text is on its way, "none matches" once it came back empty. Disabled, so it
 * can never be chosen.
 */
export function searchStatusOption(state: { loading: boolean; count: number }, text: { searching: string; none: string }) {
  if (state.loading)
    return (
      <Option key="searching" value="" text="" disabled>
        {text.searching}
      </Option>
    );
  if (!state.count)
    return (
      <Option key="none" value="" text="" disabled>
        {text.none}
      </Option>
    );
  return null;
}
