import { Kbd, Modal, Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export function ShortcutSheet({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const rows: Array<[string, string]> = [
    ['j', t('shortcuts.next')],
    ['k', t('shortcuts.prev')],
    ['r', t('shortcuts.reply')],
    ['e', t('shortcuts.resolve')],
    ['?', t('shortcuts.help')],
  ];
  return (
    <Modal opened={opened} onClose={onClose} title={t('shortcuts.title')} lockScroll={false} closeButtonProps={{ 'aria-label': t('shortcuts.close') }}>
      <Table>
        <Table.Tbody>
          {rows.map(([key, what]) => (
            <Table.Tr key={key}>
              <Table.Td>
                <Kbd>{key}</Kbd>
              </Table.Td>
              <Table.Td>{what}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Modal>
  );
}
