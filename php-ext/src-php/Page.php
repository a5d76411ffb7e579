<?php

declare(strict_types=1);

namespace Erp\ApiClient;

/**
 * One page of a list: its records (`data`) and the cursor of the next page.
 *
 * @template T
 * @implements \IteratorAggregate<int, T>
 */
final class Page implements \IteratorAggregate, \Countable
{
    /**
     * @param list<T>     $data       the records of this page
     * @param string|null $nextCursor the next page's cursor, null on the last page
     */
    public function __construct(public readonly array $data, public readonly ?string $nextCursor = null)
    {
    }

    /** Whether another page follows. */
    public function hasMore(): bool
    {
        return $this->nextCursor !== null;
    }

    public function count(): int
    {
        return count($this->data);
    }

    /** @return \ArrayIterator<int, T> */
    public function getIterator(): \ArrayIterator
    {
        return new \ArrayIterator($this->data);
    }

    /** @return array{data: list<T>, next_cursor: string|null} */
    public function toArray(): array
    {
        return ['data' => $this->data, 'next_cursor' => $this->nextCursor];
    }
}
